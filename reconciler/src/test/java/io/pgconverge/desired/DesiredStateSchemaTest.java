package io.pgconverge.desired;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The JSON Schema shipped in resources/ lists the same keys as the loader, so the two cannot
 * drift apart unnoticed.
 */
class DesiredStateSchemaTest {
  private static JsonNode schema;

  @BeforeAll
  static void readSchema() throws IOException {
    schema = new ObjectMapper().readTree(Path.of("../resources/desired-state.schema.json").toFile());
  }

  @Test
  void isADraft2020SchemaThatAllowsNoOtherTopLevelKeys() {
    assertThat(schema.path("$schema").asText())
        .isEqualTo("https://json-schema.org/draft/2020-12/schema");
    assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
    assertThat(names(schema.path("required")))
        .containsExactlyInAnyOrder("version", "cluster", "peers", "postgres");
  }

  @Test
  void listsTheSameKeysAsTheLoader() {
    assertThat(keys(schema)).containsExactlyElementsOf(DesiredStateKeys.TOP);
    assertThat(keys(def("peer"))).containsExactlyElementsOf(DesiredStateKeys.PEER);
    assertThat(keys(def("postgres"))).containsExactlyElementsOf(DesiredStateKeys.POSTGRES);
    assertThat(keys(def("role"))).containsExactlyElementsOf(DesiredStateKeys.ROLE);
    assertThat(keys(def("replication"))).containsExactlyElementsOf(DesiredStateKeys.REPLICATION);
    assertThat(keys(def("synchronous"))).containsExactlyElementsOf(DesiredStateKeys.SYNCHRONOUS);
    assertThat(keys(def("policy"))).containsExactlyElementsOf(DesiredStateKeys.POLICY);
    assertThat(keys(def("window"))).containsExactlyElementsOf(DesiredStateKeys.WINDOW);
    assertThat(keys(def("schedule"))).containsExactlyElementsOf(DesiredStateKeys.SCHEDULE);
  }

  @Test
  void forbidsOtherKeysInEveryObject() {
    for (String name : List.of("peer", "postgres", "role", "replication", "synchronous", "policy", "window", "schedule")) {
      assertThat(def(name).path("additionalProperties").asBoolean(true)).as(name).isFalse();
    }
  }

  @Test
  void knowsTheEnumsPortRangeAndSettingsPgconvergeOwns() {
    assertThat(names(def("peer").at("/properties/role/enum"))).containsExactly("primary", "replica");
    assertThat(def("peer").at("/properties/port/minimum").asInt()).isEqualTo(1);
    assertThat(def("peer").at("/properties/port/maximum").asInt()).isEqualTo(65535);
    assertThat(names(def("policy").at("/properties/restart/enum"))).containsExactly("never", "always", "window");
    assertThat(names(def("schedule").at("/not/required"))).containsExactly("every", "cron");
    assertThat(names(def("window").path("required"))).containsExactly("cron", "duration");
    assertThat(schema.at("/$defs/absolutePath/pattern").asText()).isEqualTo("^/");
    assertThat(names(def("postgres").at("/properties/settings/propertyNames/not/enum")))
        .containsExactlyInAnyOrderElementsOf(DesiredStateKeys.OWNED_SETTINGS.keySet());
  }

  @Test
  void describesEveryPropertySoAnEditorCanShowWhatItMeans() {
    List<String> undescribed = new ArrayList<>();
    collectUndescribed(schema, "", undescribed);
    assertThat(undescribed).as("properties without a description").isEmpty();
    assertThat(schema.at("/properties/postgres/description").asText()).isNotBlank();
    assertThat(schema.at("/$defs/role/properties/login/description").asText()).isNotBlank();
  }

  /** Every property declared under a "properties" keyword, except in an "if" (a condition, not a declaration). */
  private static void collectUndescribed(JsonNode node, String path, List<String> out) {
    if (!node.isContainerNode()) {
      return;
    }
    JsonNode props = node.path("properties");
    if (props.isObject()) {
      props.fields().forEachRemaining(e -> {
        if (e.getValue().path("description").asText("").isBlank()) {
          out.add(path + "/properties/" + e.getKey());
        }
      });
    }
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        collectUndescribed(node.get(i), path + "/" + i, out);
      }
    }
    node.fields().forEachRemaining(e -> {
      if (!e.getKey().equals("if")) {
        collectUndescribed(e.getValue(), path + "/" + e.getKey(), out);
      }
    });
  }

  private static JsonNode def(String name) {
    JsonNode node = schema.path("$defs").path(name);
    assertThat(node.isObject()).as("$defs/" + name).isTrue();
    return node;
  }

  private static List<String> keys(JsonNode object) {
    List<String> keys = new ArrayList<>();
    object.path("properties").fieldNames().forEachRemaining(keys::add);
    return keys;
  }

  private static List<String> names(JsonNode array) {
    List<String> names = new ArrayList<>();
    array.forEach(n -> names.add(n.asText()));
    return names;
  }
}
