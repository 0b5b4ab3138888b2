package org.finetune4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.finetune4j.hub.HubClient;
import org.finetune4j.hub.HubSettings;
import org.finetune4j.hub.Progress;
import org.finetune4j.hub.RepoId;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code finetune4j download ORG/NAME}: fetch a Hub repository into the huggingface_hub cache, print its snapshot folder. */
@Command(name = "download", mixinStandardHelpOptions = true,
        description = {"Fetch a model or dataset from the Hugging Face Hub into its cache; print the snapshot folder.",
                "Without --include: what a model needs (config, tokenizer, generation config, safetensors weights or a PEFT adapter),",
                "or a dataset's csv, tsv, json, jsonl and parquet files. Pickle files are never fetched.",
                "The cache is HF_HUB_CACHE (default HF_HOME/hub, HF_HOME default ~/.cache/huggingface), shared with the Python tools;",
                "HF_TOKEN (or HF_HOME/token) is sent to the Hub as a bearer token; HF_ENDPOINT names a mirror; HF_HUB_OFFLINE=1 as --offline."})
public final class DownloadCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ORG/NAME", description = "Repository id on the Hub.")
    String id;

    @Option(names = "--revision", defaultValue = "main", paramLabel = "R", description = "Branch, tag or commit (default main).")
    String revision;

    @Option(names = "--include", paramLabel = "GLOB",
            description = "Fetch the files matching GLOB instead (repeatable; * stays in a folder, ** crosses folders).")
    List<String> include = new ArrayList<>();

    @Option(names = "--repo-type", defaultValue = "model", paramLabel = "TYPE", description = "model (default) or dataset.")
    String repoType;

    @Option(names = "--offline", description = "Do not contact the Hub: find the snapshot in the cache (as HF_HUB_OFFLINE=1).")
    boolean offline;

    @Override
    public Integer call() {
        RepoId repo = new RepoId(RepoId.Type.of(repoType), id);
        HubSettings settings = HubSettings.current().offline(offline);
        Path snapshot = new HubClient(settings, Progress.terminal(System.err), System.err).snapshot(repo, revision, include);
        spec.commandLine().getOut().println(snapshot);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
