package org.finetune4j.recipe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.distributed.DistributedConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The distributed block: launch, join and DiLoCo settings, one-line refusals, a digest blind to the rank's keys. */
class DistributedBlockTest {

    @TempDir
    Path dir;

    private Path recipe() throws IOException {
        Files.writeString(dir.resolve("t.tsv"), "s\tlabel\nfine\t1\n"); // a recipe's inputs must exist
        return Files.writeString(dir.resolve("r.yaml"), "model:\n  path: m\ndata:\n  train: t.tsv\n  text_column: s\n"
                + "training:\n  output_dir: out\n");
    }

    private DistributedConfig read(String... overrides) throws IOException {
        return Recipe.load(recipe(), List.of(overrides)).distributed();
    }

    @Test
    void launchJoinAndLowCommunication() throws IOException {
        assertThat(read()).isNull();
        DistributedConfig launch = read("distributed.nproc=4");
        assertThat(launch.launches()).isTrue();
        assertThat(launch.worldSize()).isEqualTo(4);
        assertThat(launch.bucketBytes()).isEqualTo(25L << 20);
        DistributedConfig join = read("distributed.master=10.0.0.1:29500", "distributed.rank=3", "distributed.world_size=4");
        assertThat(join.joins()).isTrue();
        assertThat(join.masterHost()).isEqualTo("10.0.0.1");
        assertThat(join.masterPort()).isEqualTo(29500);
        assertThat(join.lowCommunication()).isFalse();
        DistributedConfig diloco = read("distributed.nproc=2", "distributed.sync=every_n_steps", "distributed.inner_steps=50");
        assertThat(diloco.lowCommunication()).isTrue();
        assertThat(diloco.innerSteps()).isEqualTo(50);
        assertThat(diloco.outerLr()).isEqualTo(0.7);
        assertThat(diloco.outerMomentum()).isEqualTo(0.9);
    }

    @Test
    void mistakesAreOneLine() {
        for (String[] bad : List.of(new String[] {"distributed.rank=0"}, new String[] {"distributed.master=nohost", "distributed.rank=0",
                "distributed.world_size=2"}, new String[] {"distributed.master=h:1", "distributed.rank=2", "distributed.world_size=2"},
                new String[] {"distributed.nproc=0"}, new String[] {"distributed.sync=every_n_steps"},
                new String[] {"distributed.inner_steps=5"}, new String[] {"distributed.world_size=3"})) {
            assertThatThrownBy(() -> read(bad)).as(String.join(" ", bad)).isInstanceOf(Finetune4jException.class)
                    .hasMessageContaining("distributed.").hasMessageNotContaining("\n");
        }
    }

    @Test
    void theDigestIgnoresTheDistributedBlock() throws IOException {
        Path r = recipe();
        String a = Recipe.digest(r, List.of("distributed.rank=0", "distributed.master=h:1"));
        assertThat(Recipe.digest(r, List.of("distributed.rank=1", "distributed.master=h:1"))).isEqualTo(a);
        assertThat(Recipe.digest(r, List.of("training.seed=2"))).isNotEqualTo(a);
    }
}
