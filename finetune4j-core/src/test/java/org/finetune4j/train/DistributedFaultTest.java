package org.finetune4j.train;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.finetune4j.Finetune4jException;
import org.finetune4j.distributed.DistributedConfig;
import org.finetune4j.distributed.Launcher;
import org.finetune4j.distributed.RankThreads;
import org.finetune4j.distributed.Rendezvous;
import org.finetune4j.distributed.World;
import org.finetune4j.recipe.Recipe;
import org.finetune4j.tensor.FreePort;
import org.finetune4j.tensor.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Faults of a data-parallel run: a worker killed with SIGKILL stops the run with its rank named (by the
 * launcher and by the surviving rank), the last checkpoint stays whole, and the run resumes from it to
 * the uninterrupted losses with the same number of ranks or another; a wrong world size, a rank given
 * twice and different recipes are one-line errors.
 */
class DistributedFaultTest {

    @TempDir
    Path dir;

    private final PrintStream quiet = new PrintStream(new ByteArrayOutputStream());

    private Path recipe() throws IOException {
        Path train = TrainerFixture.tsv(dir, "train.tsv", 48, 5); // 6 global batches of 8 an epoch, no padding
        Path dev = TrainerFixture.tsv(dir, "dev.tsv", 13, 6);
        return TrainerFixture.recipe(dir, train, dev, "max_steps: 12", "save_steps: 4", "warmup_steps: 2",
                "lr_scheduler_type: linear");
    }

    /** Per-step losses of the recipe on {@code n} ranks (threads of this JVM), from step 1 or a resumed one. */
    private List<Double> run(int n, Path recipe, String... overrides) throws Exception {
        return RankThreads.run(n, w -> {
            try (Scope s = Scope.open()) {
                Recipe r = Recipe.load(recipe, List.of(overrides));
                Trainer.Job job = r.job(quiet);
                if (w.main()) {
                    Runs.prepare(r.training(), quiet).close(); // output_dir prepared, its lock released for the next run in this JVM
                }
                List<Double> losses = new ArrayList<>();
                new Trainer(job, quiet).in(w, DistributedConfig.DEFAULT_BUCKET_BYTES).onStep((step, loss) -> losses.add(loss)).train();
                return losses;
            }
        }).get(0);
    }

    @Test
    void aKilledWorkerStopsTheRunNamingItsRankAndTheRunResumesWithTheSameOrAnotherNumberOfRanks() throws Exception {
        Path recipe = recipe();
        List<Double> full = run(1, recipe, "training.output_dir=" + dir.resolve("full"), "training.per_device_train_batch_size=8");

        Path out = dir.resolve("killed");
        ByteArrayOutputStream rank0 = new ByteArrayOutputStream();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        CompletableFuture<Void> killer = new CompletableFuture<>();
        PrintStream watch = new PrintStream(new OutputStream() { // the ranks' other lines: kill rank 1 once it says STOPPED
            private final StringBuilder line = new StringBuilder();
            private long pid;

            @Override
            public synchronized void write(int b) {
                errors.write(b);
                line.append((char) b);
                if (b == '\n') {
                    String l = line.toString().strip();
                    if (l.startsWith("distributed: ranks 0-1 are pids ")) {
                        pid = Long.parseLong(l.substring(l.lastIndexOf(' ') + 1));
                    }
                    if (l.equals("[rank 1] STOPPED")) {
                        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL
                        killer.complete(null);
                    }
                    line.setLength(0);
                }
            }
        }, true, StandardCharsets.UTF_8);
        DistributedConfig two = new DistributedConfig(2, null, 0, -1, 2, Duration.ofSeconds(60), DistributedConfig.DEFAULT_BUCKET_BYTES,
                0, 0.7, 0.9);
        List<String> args = List.of("1", "6", recipe.toString(), "training.output_dir=" + out,
                "training.per_device_train_batch_size=4", "distributed.timeout_seconds=60");
        assertThatThrownBy(() -> Launcher.run(KillableRank.class.getName(), args, two,
                new PrintStream(rank0, true, StandardCharsets.UTF_8), watch))
                .isInstanceOf(Finetune4jException.class).hasMessageStartingWith("rank 1 (pid ")
                .hasMessageContaining("was killed by signal 9");
        assertThat(killer).isDone();
        assertThat(errors.toString(StandardCharsets.UTF_8)).contains("error: rank 0: rank 1 stopped");
        List<Double> before = new ArrayList<>();
        rank0.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("step "))
                .forEach(l -> before.add(Double.parseDouble(l.split(" ")[2])));
        assertThat(before).hasSize(6);
        for (int i = 0; i < 6; i++) {
            assertThat(before.get(i)).isCloseTo(full.get(i), within(1e-5));
        }
        assertThat(Checkpoints.list(out)).extracting(Checkpoints::step).containsExactly(4);

        Path again = copy(out, dir.resolve("again-2"));
        List<Double> sameN = run(2, recipe, "training.output_dir=" + again, "training.per_device_train_batch_size=4",
                "training.resume_from_checkpoint=true");
        List<Double> otherN = run(1, recipe, "training.output_dir=" + out, "training.per_device_train_batch_size=8",
                "training.resume_from_checkpoint=true");
        for (List<Double> rest : List.of(sameN, otherN)) {
            assertThat(rest).hasSize(8);
            for (int i = 0; i < 8; i++) {
                assertThat(rest.get(i)).as("step %d", i + 5).isCloseTo(full.get(i + 4), within(1e-5));
            }
        }
        assertThatThrownBy(() -> run(1, recipe, "training.output_dir=" + copy(out, dir.resolve("other-batch")),
                "training.per_device_train_batch_size=4", "training.resume_from_checkpoint=true"))
                .hasMessageContaining("was trained with 8 examples a step; this run takes 4");
    }

    @Test
    void aWrongWorldSizeARankGivenTwiceAndDifferentRecipesAreOneLineErrors() throws Exception {
        assertThat(meet(new int[] {0, 1}, new int[] {2, 3}, new String[] {"a", "a"}))
                .anySatisfy(m -> assertThat(m).containsAnyOf("distributed.world_size is 3 here but 2 at rank 0",
                        "distributed.world_size is 2 here but 3 at rank 1")); // whichever rank checks first says it
        assertThat(meet(new int[] {0, 1}, new int[] {2, 2}, new String[] {"a", "b"}))
                .anySatisfy(m -> assertThat(m).containsAnyOf("the recipe differs from rank 0's",
                        "the recipe differs from rank 1's")); // rank 0 checks every rank, rank 1 checks rank 0: either may say it
        assertThat(meet(new int[] {0, 1, 1}, new int[] {3, 3, 3}, new String[] {"a", "a", "a"}))
                .anySatisfy(m -> assertThat(m).contains("another process already joined as rank 1"));
    }

    /** The one-line errors of processes (threads) that try to meet as the given ranks, sizes and recipes. */
    private static List<String> meet(int[] ranks, int[] sizes, String[] recipes) throws Exception {
        int port = FreePort.find();
        ExecutorService pool = Executors.newFixedThreadPool(ranks.length);
        try {
            List<Future<String>> out = new ArrayList<>();
            for (int i = 0; i < ranks.length; i++) {
                DistributedConfig c = new DistributedConfig(1, "127.0.0.1", port, ranks[i], sizes[i], Duration.ofSeconds(5),
                        DistributedConfig.DEFAULT_BUCKET_BYTES, 0, 0.7, 0.9);
                String digest = recipes[i];
                out.add(pool.submit(() -> {
                    try (World w = Rendezvous.join(c, digest)) {
                        return "joined";
                    } catch (Finetune4jException e) {
                        assertThat(e.getMessage()).doesNotContain("\n");
                        return e.getMessage();
                    }
                }));
            }
            List<String> messages = new ArrayList<>();
            for (Future<String> f : out) {
                messages.add(f.get());
            }
            return messages;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.sorted(Comparator.naturalOrder()).toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
        return to;
    }
}
