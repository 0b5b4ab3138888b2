package org.finetune4j.serve;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.Finetune4jException;
import org.finetune4j.data.Examples;
import org.finetune4j.eval.Evaluator;
import org.finetune4j.generate.CausalLm;
import org.finetune4j.model.Head;
import org.finetune4j.model.ModelConfig;
import org.finetune4j.model.TaskModel;
import org.finetune4j.peft.Adapters;
import org.finetune4j.peft.LoraConfig;
import org.finetune4j.tokenize.ChatTemplate;

/**
 * The models a server serves, by id: the base folder and each adapter on it (a full copy of the base
 * with the adapter's branches, so requests for different adapters never share weights). Causal LMs
 * serve completions and chat; sequence classifiers serve classify. Owns their native memory.
 */
final class Models implements AutoCloseable {

    private final Map<String, Served> byId = new LinkedHashMap<>();

    private Models() {}

    /** Loads {@code base} as {@code baseId} and each adapter on it; {@code chatTemplate} (a built-in name) may be null. */
    static Models load(String baseId, Path base, List<ApiServer.Adapter> adapters, String chatTemplate) {
        Models m = new Models();
        try {
            Head head = Head.of(ModelConfig.read(base));
            if (head != Head.CAUSAL_LM && head != Head.SEQUENCE_CLASSIFICATION) {
                throw new Finetune4jException(base + "/config.json: serve needs a causal LM or a sequence classifier, not a "
                        + head + " model");
            }
            m.add(head == Head.CAUSAL_LM ? lm(baseId, base, null, chatTemplate) : m.classifier(baseId, base, null));
            for (ApiServer.Adapter a : adapters) {
                LoraConfig c = Adapters.readConfig(a.dir());
                boolean generative = c.taskType() == null ? head == Head.CAUSAL_LM : c.taskType().equals("CAUSAL_LM");
                if (!generative && !"SEQ_CLS".equals(c.taskType())) {
                    throw new Finetune4jException(a.dir().resolve(Adapters.CONFIG) + ": serve needs task_type CAUSAL_LM or SEQ_CLS, not "
                            + c.taskType());
                }
                m.add(generative ? lm(a.id(), base, a.dir(), chatTemplate) : m.classifier(a.id(), base, a.dir()));
            }
            return m;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private void add(Served s) {
        if (byId.putIfAbsent(s.id(), s) != null) {
            closeOne(s);
            throw new Finetune4jException("two models are named '" + s.id() + "': name an adapter with --adapter NAME=DIR");
        }
    }

    private static Served lm(String id, Path base, Path adapter, String chatTemplate) {
        CausalLm lm = CausalLm.load(base, adapter);
        try {
            return new Served.Lm(id, lm, chatTemplate != null ? ChatTemplate.builtIn(chatTemplate, lm.tokenizer) : modelTemplate(lm));
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
    }

    /** The folder's own chat template, or null when it has none (a template that is there but broken is an error). */
    private static ChatTemplate modelTemplate(CausalLm lm) {
        try {
            return ChatTemplate.ofModel(lm.tokenizer);
        } catch (Finetune4jException e) {
            if (e.getMessage().contains("has no chat template")) {
                return null;
            }
            throw e;
        }
    }

    private Served classifier(String id, Path base, Path adapter) {
        if (adapter == null) {
            return new Served.Cls(id, TaskModel.load(base, Head.SEQUENCE_CLASSIFICATION, TaskModel.NEEDS));
        }
        return new Served.Cls(id, TaskModel.open(base,
                () -> Adapters.loadWithBase(base, adapter, Head.SEQUENCE_CLASSIFICATION, 0, false), adapter));
    }

    /** The model named {@code id}, or a 404. */
    Served get(String id) {
        Served s = byId.get(id);
        if (s == null) {
            throw ApiError.noModel(id);
        }
        return s;
    }

    List<Served> all() {
        return new ArrayList<>(byId.values());
    }

    /** Class probabilities [texts][labels] (texts truncated to the model's positions, at most 512) and the tokens read. */
    record Scores(float[][] probabilities, long tokens) {}

    /** Runs classifier {@code c} on {@code texts} in batches of 32; call from the engine thread only. */
    Scores classify(Served.Cls c, List<String> texts) {
        TaskModel k = c.classifier();
        Examples ex = Examples.tokenize(texts, k.tokenizer(), k.maxLength(0));
        long tokens = 0;
        for (long[] row : ex.ids()) {
            tokens += row.length;
        }
        return new Scores(Evaluator.probabilities(k.model(), ex, 32, k.padId()), tokens);
    }

    private static void closeOne(Served s) {
        if (s instanceof Served.Lm l) {
            l.lm().close();
        } else if (s instanceof Served.Cls c) {
            c.classifier().close();
        }
    }

    @Override
    public void close() {
        byId.values().forEach(Models::closeOne);
        byId.clear();
    }
}
