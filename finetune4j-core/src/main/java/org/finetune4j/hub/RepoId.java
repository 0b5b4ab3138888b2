package org.finetune4j.hub;

import java.util.Locale;
import java.util.regex.Pattern;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.Text;

/**
 * A Hub repository: its type (model or dataset) and id ({@code name} or {@code org/name}). Its cache
 * folder is {@code models--org--name} (or {@code datasets--...}), as huggingface_hub names it.
 */
public record RepoId(Type type, String id) {

    /** The repository types Finetune4j reads. */
    public enum Type {
        MODEL("models", ""), DATASET("datasets", "datasets/");

        final String plural;
        final String urlPrefix;

        Type(String plural, String urlPrefix) {
            this.plural = plural;
            this.urlPrefix = urlPrefix;
        }

        /** "model" or "dataset", as the --repo-type option spells it. */
        public static Type of(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "model" -> MODEL;
                case "dataset" -> DATASET;
                default -> throw new Finetune4jException("repo type " + Text.quote(s) + " is not one of model, dataset");
            };
        }
    }

    private static final Pattern PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}");

    public RepoId {
        if (!looksLikeId(id)) {
            throw new Finetune4jException(Text.quote(id) + " is not a Hub repository id (expected name or org/name:"
                    + " letters, digits, '-', '_', '.', no '--' or '..')");
        }
    }

    /** Whether {@code s} has the shape of a repository id: {@code name} or {@code org/name}. */
    public static boolean looksLikeId(String s) {
        if (s == null || s.contains("--") || s.contains("..") || s.endsWith(".") || s.length() > 96) {
            return false;
        }
        String[] parts = s.split("/", -1);
        if (parts.length > 2) {
            return false;
        }
        for (String p : parts) {
            if (!PART.matcher(p).matches()) {
                return false;
            }
        }
        return true;
    }

    public static RepoId model(String id) {
        return new RepoId(Type.MODEL, id);
    }

    public static RepoId dataset(String id) {
        return new RepoId(Type.DATASET, id);
    }

    /** The cache folder name: {@code models--org--name}. */
    public String folderName() {
        return type.plural + "--" + id.replace("/", "--");
    }

    /** The API path: {@code api/models/org/name}. */
    String apiPath() {
        return "api/" + type.plural + "/" + id;
    }

    /** The prefix of resolve URLs: {@code org/name} or {@code datasets/org/name}. */
    String urlPath() {
        return type.urlPrefix + id;
    }

    @Override
    public String toString() {
        return type == Type.MODEL ? id : "dataset " + id;
    }
}
