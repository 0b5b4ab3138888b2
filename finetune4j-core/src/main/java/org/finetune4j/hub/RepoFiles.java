package org.finetune4j.hub;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which files of a repository to fetch: for a model, what loading it needs (config, tokenizer files,
 * generation config, safetensors weights or an adapter); for a dataset, its table files; or the files
 * that {@code --include} globs name. Pickle files are never fetched.
 */
public final class RepoFiles {

    /** The tokenizer files (the same list as {@code tokenize.Tokenizer.FILES}, kept here so the hub needs no native library). */
    static final List<String> TOKENIZER = List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
            "vocab.txt", "vocab.json", "merges.txt", "added_tokens.json");

    static final String CONFIG = "config.json";
    static final String GENERATION = "generation_config.json";
    static final String SINGLE = "model.safetensors";
    static final String INDEX = "model.safetensors.index.json";
    static final String ADAPTER_CONFIG = "adapter_config.json";
    static final String ADAPTER = "adapter_model.safetensors";

    private static final Set<String> PICKLE = Set.of("bin", "pt", "pth", "pkl", "pickle", "ckpt", "joblib");
    private static final Set<String> TABLES = Set.of("csv", "tsv", "json", "jsonl", "ndjson", "parquet");

    private RepoFiles() {}

    /** Whether {@code path} is a pickle-based file that Finetune4j never downloads. */
    public static boolean isPickle(String path) {
        return PICKLE.contains(extension(path));
    }

    /** The top-level files a model needs, in fetch order; shards come later from the index. */
    static List<String> model(String repo, List<String> files) {
        Set<String> all = new LinkedHashSet<>(files);
        List<String> out = new ArrayList<>();
        boolean adapter = all.contains(ADAPTER_CONFIG) && all.contains(ADAPTER);
        if (!all.contains(CONFIG) && !adapter) {
            throw new org.finetune4j.Finetune4jException(repo + ": has no " + CONFIG + " (nor a PEFT adapter), so it is not a"
                    + " model Finetune4j can load");
        }
        for (String f : concat(List.of(CONFIG, GENERATION), TOKENIZER, List.of(ADAPTER_CONFIG, ADAPTER))) {
            if (all.contains(f)) {
                out.add(f);
            }
        }
        if (all.contains(SINGLE)) {
            out.add(SINGLE);
        } else if (all.contains(INDEX)) {
            out.add(INDEX);
        } else if (!adapter) {
            List<String> pickles = files.stream().filter(RepoFiles::isPickle).toList();
            throw new org.finetune4j.Finetune4jException(repo + ": has no safetensors weights (" + SINGLE + " or " + INDEX + ")"
                    + (pickles.isEmpty() ? "" : "; only pickle files " + pickles + ", which Finetune4j never loads"));
        }
        return out;
    }

    /** A dataset's table files (csv, tsv, json, jsonl, ndjson, parquet) in any folder. */
    static List<String> dataset(String repo, List<String> files) {
        List<String> out = files.stream().filter(f -> TABLES.contains(extension(f))).toList();
        if (out.isEmpty()) {
            throw new org.finetune4j.Finetune4jException(repo + ": has no csv, tsv, json, jsonl or parquet data files");
        }
        return out;
    }

    /** The files matching any glob ({@code *} stays in one folder, {@code **} crosses folders), pickles left out. */
    static List<String> matching(String repo, List<String> files, List<String> globs) {
        List<PathMatcher> matchers = globs.stream().map(g -> FileSystems.getDefault().getPathMatcher("glob:" + g)).toList();
        List<String> out = files.stream().filter(f -> !isPickle(f))
                .filter(f -> matchers.stream().anyMatch(m -> m.matches(Path.of(f)))).toList();
        if (out.isEmpty()) {
            throw new org.finetune4j.Finetune4jException(repo + ": no file matches " + String.join(", ", globs)
                    + " (pickle files are never fetched)");
        }
        return out;
    }

    static String extension(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        List<String> out = new ArrayList<>();
        for (List<String> l : lists) {
            out.addAll(l);
        }
        return out;
    }
}
