package io.pgconverge.plan;

/** Something the plan will not do, or could not judge, with the reason as data and the detail in words. */
public record Refusal(RefusalReason reason, String subject, String detail) {
  public String message() {
    return subject + ": " + reason.text() + (detail.isEmpty() ? "" : " (" + detail + ")");
  }
}
