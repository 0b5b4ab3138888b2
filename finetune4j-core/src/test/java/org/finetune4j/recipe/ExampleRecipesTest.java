package org.finetune4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every recipe in examples/ reads: its keys exist, its values have the right types, its task is
 * known. Recipes that name the shared assets (checked when read) are read only where those exist.
 */
class ExampleRecipesTest {

    @Test
    void everyExampleRecipeParses() throws IOException {
        List<Path> recipes;
        try (Stream<Path> s = Files.list(Path.of("examples"))) {
            recipes = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(recipes).hasSizeGreaterThanOrEqualTo(10);
        boolean assets = Files.isDirectory(Path.of("../shared/assets"));
        for (Path p : recipes) {
            if (!assets && Files.readString(p).contains("../shared/")) {
                System.out.println("not read (no ../shared/assets here): " + p);
                continue;
            }
            Recipe r = Recipe.load(p, List.of());
            assertThat(Recipe.TASKS).as(p.toString()).contains(r.task());
        }
    }
}
