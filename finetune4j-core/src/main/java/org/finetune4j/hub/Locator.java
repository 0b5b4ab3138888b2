package org.finetune4j.hub;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Finetune4jException;

/**
 * The one place where a model or data path may turn out to be a Hub id. A string that names an
 * existing file or folder is that path; otherwise {@code org/name} or {@code name} (optionally
 * {@code @revision}) is a model on the Hub, and {@code hf://datasets/org/name[@revision]/path/file.csv}
 * is a dataset file, both fetched into (or, offline, found in) the huggingface_hub cache.
 */
public final class Locator {

    private Locator() {}

    /** The model folder {@code spec} names: a local path, or the snapshot of a Hub model. */
    public static Path model(String spec, HubSettings settings, PrintStream log) {
        Path local = Path.of(spec);
        if (Files.exists(local)) {
            return local;
        }
        int at = spec.indexOf('@');
        String id = at < 0 ? spec : spec.substring(0, at);
        String revision = at < 0 ? "main" : spec.substring(at + 1);
        if (!RepoId.looksLikeId(id) || revision.isEmpty() || meantLocally(local)) {
            throw new Finetune4jException(spec + ": no such folder or file");
        }
        try {
            return new HubClient(settings, Progress.terminal(System.err), log).snapshot(RepoId.model(id), revision, List.of());
        } catch (Finetune4jException e) {
            throw new Finetune4jException(spec + ": no such folder; as a model on the Hub: " + e.getMessage(), e);
        }
    }

    /** Whether a path that does not exist was meant as one: absolute, starting with . or .., or inside an existing folder. */
    private static boolean meantLocally(Path p) {
        String s = p.toString();
        return p.isAbsolute() || s.startsWith(".") || (p.getParent() != null && Files.isDirectory(p.getParent()));
    }

    /** Whether {@code path} is written as a Hub dataset file ({@code hf://datasets/...}). */
    public static boolean isHubData(Path path) {
        String s = path.toString();
        return s.startsWith("hf://datasets/") || s.startsWith("hf:/datasets/");
    }

    /** The local file {@code path} names: itself, or a Hub dataset file fetched into the cache. */
    public static Path data(Path path, HubSettings settings, PrintStream log) {
        if (!isHubData(path)) {
            return path;
        }
        String s = path.toString();
        String rest = s.substring(s.indexOf("datasets/") + "datasets/".length());
        String id;
        String revision = "main";
        String file;
        int at = rest.indexOf('@');
        if (at >= 0 && rest.indexOf('/', at) > at) {
            id = rest.substring(0, at);
            int slash = rest.indexOf('/', at);
            revision = rest.substring(at + 1, slash);
            file = rest.substring(slash + 1);
        } else {
            String[] parts = rest.split("/", 3);
            if (parts.length < 3) {
                throw new Finetune4jException(s + ": a Hub data file is hf://datasets/ORG/NAME[@REVISION]/PATH");
            }
            id = parts[0] + "/" + parts[1];
            file = parts[2];
        }
        RepoId repo = RepoId.dataset(id);
        Path snapshot = new HubClient(settings, Progress.terminal(System.err), log).snapshot(repo, revision,
                List.of(globEscape(file)));
        return HubCache.inside(snapshot, file);
    }

    private static String globEscape(String file) {
        return file.replaceAll("([*?\\[\\]{}\\\\])", "\\\\$1");
    }
}
