package org.finetune4j.cli;

import java.nio.file.Path;
import org.finetune4j.hub.HubSettings;
import org.finetune4j.hub.Locator;
import picocli.CommandLine.Option;

/** The {@code --offline} option of commands whose model may be a Hub id (a picocli mixin). */
final class HubOptions {

    @Option(names = "--offline", description = "Use only the Hub cache for Hub ids (as HF_HUB_OFFLINE=1).")
    boolean offline;

    /** The Hub settings of this process, offline when asked. */
    HubSettings settings() {
        return HubSettings.current().offline(offline);
    }

    /** {@code spec} itself when it exists, else the cached snapshot of the Hub model it names. */
    Path model(Path spec) {
        return spec == null ? null : Locator.model(spec.toString(), settings(), System.err);
    }

    /** A data file, or a Hub dataset file {@code hf://datasets/ORG/NAME[@REV]/PATH} fetched into the cache. */
    Path data(Path spec) {
        return spec == null ? null : Locator.data(spec, settings(), System.err);
    }
}
