package org.finetune4j.recipe;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.Finetune4jException;
import org.finetune4j.data.MultitaskData;
import org.finetune4j.hub.HubSettings;
import org.finetune4j.model.Bert;
import org.finetune4j.model.BertConfig;
import org.finetune4j.model.Head;
import org.finetune4j.model.MultiHeadModel;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Parameter;
import org.finetune4j.train.Evaluation;
import org.finetune4j.train.Trainer;

/**
 * The job of {@code task: multitask}: every listed task's own job (data, evaluation, model with its
 * head), then one model whose heads share one body ({@link MultiHeadModel}), the mixed training data
 * ({@link MultitaskData}) and an evaluation that reports every task under {@code eval_<name>_<metric>}
 * plus {@code eval_loss}, the mean of the tasks' losses.
 */
public final class MultitaskJobs {

    private MultitaskJobs() {}

    public static Trainer.Job create(Recipe r, PrintStream console, HubSettings hub) {
        MultitaskSpec s = r.data(MultitaskSpec.class);
        List<Trainer.Job> jobs = new ArrayList<>();
        for (MultitaskSpec.Member m : s.datasets()) {
            console.println("[" + m.name() + "] task " + m.task());
            jobs.add(Jobs.create(new Recipe(r.file(), r.model(), m.task(), m.data(), r.freeze(), r.training()), console, hub));
        }
        int owner = 0;
        for (int i = 0; i < jobs.size(); i++) {
            Head h = jobs.get(i).model().head;
            if (h == Head.SEQUENCE_CLASSIFICATION || h == Head.PRETRAINING) {
                owner = i;
                break;
            }
        }
        TransformerModel body = jobs.get(owner).model();
        Map<Head, TransformerModel> byHead = new LinkedHashMap<>();
        Map<Head, String> firstOf = new LinkedHashMap<>();
        byHead.put(body.head, body);
        firstOf.put(body.head, s.datasets().get(owner).name());
        List<TransformerModel> perMember = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            TransformerModel own = jobs.get(i).model();
            String name = s.datasets().get(i).name();
            if (i != owner && byHead.containsKey(own.head) && own.head != Head.MASKED_LM && own.head != Head.CAUSAL_LM) {
                throw new Finetune4jException(r.file() + ": datasets '" + firstOf.get(own.head) + "' and '" + name
                        + "' both need a " + own.head.suffix + " head; a model has one of each");
            }
            firstOf.putIfAbsent(own.head, name);
            perMember.add(byHead.computeIfAbsent(own.head, h -> sharedHead(body, own, r)));
        }
        MultiHeadModel model = new MultiHeadModel(new ArrayList<>(byHead.values()));
        List<TransformerModel> distinct = new ArrayList<>(byHead.values());
        List<MultitaskData.Member> members = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            members.add(new MultitaskData.Member(s.datasets().get(i).name(), jobs.get(i).train(), s.datasets().get(i).weight()));
        }
        int[] route = perMember.stream().mapToInt(distinct::indexOf).toArray();
        MultitaskData data = new MultitaskData(members, s.strategy(), s.temperature(), r.training().seed(),
                t -> model.route(route[t]));
        double[] p = MultitaskData.probabilities(members, s.strategy(), s.temperature());
        for (int i = 0; i < members.size(); i++) {
            console.printf("mix: %s %d rows, probability %.4f (%s)%n", members.get(i).name(), members.get(i).data().size(), p[i],
                    s.strategy());
        }
        long params = model.namedParameters().values().stream().mapToLong(Parameter::numel).sum();
        console.printf("multitask model: %s with heads %s, %,d params%n", model.className(), model.memberHeads(), params);
        Evaluation eval = (m, world) -> {
            Map<String, Double> out = new LinkedHashMap<>();
            double sum = 0;
            int k = 0;
            for (int i = 0; i < jobs.size(); i++) {
                if (jobs.get(i).eval() == null) {
                    continue;
                }
                String prefix = "eval_" + s.datasets().get(i).name() + "_";
                Map<String, Double> mm = jobs.get(i).eval().evaluate(perMember.get(i), world);
                for (Map.Entry<String, Double> e : mm.entrySet()) {
                    out.put(prefix + e.getKey().substring(e.getKey().startsWith("eval_") ? 5 : 0), e.getValue());
                }
                if (mm.containsKey("eval_loss")) {
                    sum += mm.get("eval_loss");
                    k++;
                }
            }
            Map<String, Double> all = new LinkedHashMap<>();
            if (k > 0) {
                all.put("eval_loss", sum / k);
            }
            all.putAll(out);
            return all;
        };
        boolean anyEval = jobs.stream().anyMatch(j -> j.eval() != null);
        return new Trainer.Job(model, jobs.get(0).tokenizerDir(), data, anyEval ? eval : null, jobs.get(0).padId(), r.training());
    }

    /** A model with {@code own}'s head over {@code body}'s parameters; the head's weights are {@code own}'s. */
    private static TransformerModel sharedHead(TransformerModel body, TransformerModel own, Recipe r) {
        if (!(body instanceof Bert b) || !(own.config instanceof BertConfig c)) {
            throw new Finetune4jException(r.file() + ": tasks with different heads (" + body.head.suffix + ", "
                    + own.head.suffix + ") share a body only in BERT-family models");
        }
        Bert shared = new Bert(c, own.head, b);
        Map<String, Parameter> from = own.allNamedParameters();
        shared.allNamedParameters().forEach((name, p) -> {
            if (!p.hasData()) {
                Parameter src = from.get(name);
                p.set(src.data());
                p.setTrainable(src.trainable());
            }
        });
        shared.decodeLabelledOnly(true);
        return shared;
    }
}
