package io.pgconverge.desired;

/** One host of the cluster as listed in {@code peers}: how the others reach it, and its role. */
public record Peer(String name, String host, int port, PeerRole role) {}
