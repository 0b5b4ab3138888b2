package org.finetune4j.spark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.finetune4j.Finetune4jException;
import org.finetune4j.distributed.DistributedConfig;
import org.finetune4j.recipe.Recipe;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * {@code spark-submit --class org.finetune4j.spark.SparkTrain finetune4j-spark.jar RECIPE.yaml
 * distributed.nproc=N [dotted.key=value ...]}: trains the recipe data-parallel on N Spark tasks of one
 * barrier stage ({@code RDD.barrier()}), each task one rank ({@link RankTask}); the ranks' lines stream
 * to the driver ({@link LogSink}), and a failed rank fails the job with its rank named. The recipe, its
 * data and training.output_dir must be paths every executor reads the same (a shared file system).
 * Exit codes as the CLI's: 0 done, 1 failure, 2 bad usage.
 */
public final class SparkTrain {

    private SparkTrain() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the job; returns the exit code. */
    public static int run(String... args) {
        if (args.length < 1 || args[0].startsWith("-")) {
            System.err.println("usage: spark-submit --class " + SparkTrain.class.getName()
                    + " finetune4j-spark.jar RECIPE.yaml distributed.nproc=N [dotted.key=value ...]");
            return 2;
        }
        List<String> overrides = List.of(args).subList(1, args.length);
        int ranks;
        try {
            DistributedConfig d = Recipe.load(Path.of(args[0]), overrides).distributed();
            if (d == null || d.joins() || d.nproc() < 1) {
                throw new Finetune4jException(args[0] + ": give the number of ranks as distributed.nproc=N (one Spark task each)");
            }
            ranks = d.nproc();
        } catch (Finetune4jException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        List<String> trainArgs = new ArrayList<>(List.of("train", args[0]));
        trainArgs.addAll(overrides);
        SparkConf conf = new SparkConf().setIfMissing("spark.app.name", "finetune4j train " + args[0])
                .setIfMissing("spark.task.maxFailures", "1") // a failed rank ends the run: it resumes from its checkpoint
                .setIfMissing("spark.stage.maxConsecutiveAttempts", "1");
        try (JavaSparkContext sc = new JavaSparkContext(conf);
                LogSink sink = new LogSink(sc.getConf().get("spark.driver.host", "127.0.0.1"), System.out, System.err)) {
            sc.setLogLevel("WARN");
            System.err.println("spark: " + ranks + " ranks as one barrier stage on " + sc.master());
            RankTask task = new RankTask(trainArgs, ranks, sink.address(), System.getProperty("user.dir"));
            ClassTag<Integer> tag = ClassTag$.MODULE$.apply(Integer.class);
            RDD<Integer> done = sc.parallelize(IntStream.range(0, ranks).boxed().toList(), ranks).rdd().barrier()
                    .mapPartitions(task, false, tag);
            JavaRDD.fromRDD(done, tag).collect();
            return 0;
        } catch (Exception e) {
            System.err.println("error: " + reason(e));
            return 1;
        }
    }

    /** The failed rank's own words from Spark's job failure (the first line of the task's exception). */
    static String reason(Throwable e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        int at = m.indexOf("IllegalStateException: ");
        if (at >= 0) {
            m = m.substring(at + "IllegalStateException: ".length());
        }
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).strip() + "; the run stopped (resume it with training.resume_from_checkpoint=true)";
    }
}
