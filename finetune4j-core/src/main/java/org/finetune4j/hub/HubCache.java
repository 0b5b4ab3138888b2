package org.finetune4j.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.Text;

/**
 * huggingface_hub's cache layout under one root ({@code HF_HUB_CACHE}):
 * <pre>
 * models--org--name/
 *   blobs/&lt;etag&gt;                     file contents, named by sha256 (LFS) or git blob sha1
 *   blobs/&lt;etag&gt;.incomplete          a download in progress (resumable)
 *   refs/&lt;revision&gt;                  the commit hash a branch or tag pointed at, no newline
 *   snapshots/&lt;commit&gt;/&lt;path&gt;        relative symlink to ../../blobs/&lt;etag&gt; (deeper for nested paths)
 * .locks/models--org--name/&lt;etag&gt;.lock  one lock per blob
 * </pre>
 * Every write is a temp file renamed into place, so readers never see half a file or link.
 */
public record HubCache(Path root) {

    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    /** Whether {@code revision} is a full commit hash (then it needs no ref). */
    public static boolean isCommit(String revision) {
        return COMMIT.matcher(revision).matches();
    }

    public Path repo(RepoId repo) {
        return root.resolve(repo.folderName());
    }

    public Path blob(RepoId repo, String etag) {
        return repo(repo).resolve("blobs").resolve(checkEtag(etag));
    }

    public Path incomplete(RepoId repo, String etag) {
        return repo(repo).resolve("blobs").resolve(checkEtag(etag) + ".incomplete");
    }

    public Path lock(RepoId repo, String etag) {
        return root.resolve(".locks").resolve(repo.folderName()).resolve(checkEtag(etag) + ".lock");
    }

    public Path snapshot(RepoId repo, String commit) {
        if (!isCommit(commit)) {
            throw new Finetune4jException(repo + ": " + Text.quote(commit) + " is not a commit hash");
        }
        return repo(repo).resolve("snapshots").resolve(commit);
    }

    public Path ref(RepoId repo, String revision) {
        Path refs = repo(repo).resolve("refs");
        Path p = refs.resolve(revision).normalize();
        if (!p.startsWith(refs) || p.equals(refs) || revision.isBlank()) {
            throw new Finetune4jException(repo + ": revision " + Text.quote(revision) + " cannot name a ref file");
        }
        return p;
    }

    /** The commit {@code revision} stands for in the cache: itself when a commit hash, else its ref's content. */
    public Optional<String> commitOf(RepoId repo, String revision) {
        if (isCommit(revision)) {
            return Optional.of(revision);
        }
        Path ref = ref(repo, revision);
        if (!Files.isRegularFile(ref)) {
            return Optional.empty();
        }
        try {
            String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
            if (!isCommit(commit)) {
                throw new Finetune4jException(ref + ": not a commit hash");
            }
            return Optional.of(commit);
        } catch (IOException e) {
            throw new Finetune4jException(ref + ": cannot read (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Records that {@code revision} points at {@code commit} (skipped for commit hashes and unchanged refs). */
    public void writeRef(RepoId repo, String revision, String commit) throws IOException {
        if (isCommit(revision) || commitOf(repo, revision).filter(commit::equals).isPresent()) {
            return;
        }
        Path ref = ref(repo, revision);
        Files.createDirectories(ref.getParent());
        Path tmp = ref.resolveSibling(ref.getFileName() + "." + UUID.randomUUID() + ".tmp");
        Files.writeString(tmp, commit, StandardCharsets.UTF_8);
        moveAtomically(tmp, ref);
    }

    /** Points {@code snapshots/<commit>/<path>} at {@code blobs/<etag>} with a relative link, replacing what was there. */
    public Path link(RepoId repo, String commit, String path, String etag) throws IOException {
        Path snapshot = snapshot(repo, commit);
        Path link = inside(snapshot, path);
        Path blob = blob(repo, etag);
        Files.createDirectories(link.getParent());
        Path target = link.getParent().relativize(blob);
        if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(target)) {
            return link;
        }
        Path tmp = link.resolveSibling("." + link.getFileName() + "." + UUID.randomUUID() + ".tmp");
        Files.createSymbolicLink(tmp, target);
        moveAtomically(tmp, link);
        return link;
    }

    /** {@code base/path} for a repository path, refused when it would leave {@code base}. */
    public static Path inside(Path base, String path) {
        Path p = base.resolve(path).normalize();
        if (!p.startsWith(base) || p.equals(base) || path.startsWith("/") || path.contains("\\")) {
            throw new Finetune4jException("repository file " + Text.quote(path) + " would land outside " + base);
        }
        return p;
    }

    static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String checkEtag(String etag) {
        if (etag == null || !etag.matches("[A-Za-z0-9._-]{1,128}") || etag.startsWith(".")) {
            throw new Finetune4jException("the Hub sent an unusable ETag " + Text.quote(String.valueOf(etag)));
        }
        return etag;
    }
}
