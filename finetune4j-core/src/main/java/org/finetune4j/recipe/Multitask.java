package org.finetune4j.recipe;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.finetune4j.Finetune4jException;
import org.finetune4j.data.MultitaskData;
import org.finetune4j.model.Bert;
import org.finetune4j.model.BertConfig;
import org.finetune4j.model.Head;
import org.finetune4j.model.MultiHeadModel;
import org.finetune4j.model.TransformerModel;
import org.finetune4j.nn.Parameter;
import org.finetune4j.train.Evaluation;
import org.finetune4j.train.Trainer;

/**
 * {@code task: multitask}. Its {@code data} block: a {@code strategy} (concatenate, interleave, temperature with
 * {@code temperature}) and {@code datasets}, a list of tasks each with a {@code name}, its {@code task}, a
 * {@code weight} and its own {@code data} block, read by that task. Any other task of {@link Task#BUILT_IN} can join.
 * The job: every member's own job (data, evaluation, model with its head), then one model whose heads share one body
 * ({@link MultiHeadModel}), the mixed training data ({@link MultitaskData}) and an evaluation that reports every
 * member under {@code eval_<name>_<metric>} plus {@code eval_loss}, the mean of the members' losses.
 */
public record Multitask(String strategy, double temperature, List<Member> datasets) implements Task {

    static final Kind KIND = new Kind("multitask", Multitask::read);

    /** One task of the mix. */
    public record Member(String name, double weight, Task task) {}

    static final List<String> STRATEGIES = List.of("concatenate", "interleave", "temperature");

    @Override
    public String name() {
        return KIND.name();
    }

    /** Every member's batches pack as its own task's do, when all of them pack ({@code data.packing} governs them all). */
    @Override
    public boolean packs() {
        return datasets.stream().allMatch(m -> m.task().packs());
    }

    static Multitask read(Node d) {
        String strategy = d.choice("strategy", "temperature", STRATEGIES);
        double temperature = d.number("temperature", 2.0);
        if (!(temperature > 0)) {
            throw d.error("temperature", "must be greater than 0, got " + temperature);
        }
        List<Member> members = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<Kind> kinds = Task.BUILT_IN.stream().filter(k -> k != KIND).toList();
        List<String> tasks = kinds.stream().map(Kind::name).toList();
        for (Node m : d.blocks("datasets")) {
            String name = m.required("name");
            if (!name.matches("[A-Za-z0-9_-]+")) {
                throw m.error("name", "must be letters, digits, _ or - (it names the metrics eval_<name>_...), got '" + name + "'");
            }
            if (!names.add(name)) {
                throw m.error("name", "'" + name + "' names two datasets");
            }
            String task = m.choice("task", null, tasks);
            if (task == null) {
                throw m.error("task", "is required (one of " + String.join(", ", tasks) + ")");
            }
            double weight = m.number("weight", 1.0);
            if (!(weight > 0)) {
                throw m.error("weight", "must be greater than 0, got " + weight);
            }
            Node data = m.child("data");
            Task read = kinds.get(tasks.indexOf(task)).read().apply(data);
            data.finish();
            m.finish();
            members.add(new Member(name, weight, read));
        }
        if (members.isEmpty()) {
            throw d.error("datasets", "must list at least one task (name, task, weight, data)");
        }
        return new Multitask(strategy, temperature, members);
    }

    @Override
    public Trainer.Job job(JobContext c) {
        List<Trainer.Job> jobs = new ArrayList<>();
        for (Member m : datasets) {
            c.console().println("[" + m.name() + "] task " + m.task().name());
            jobs.add(m.task().job(c.member()));
        }
        Map<Head, TransformerModel> byHead = new LinkedHashMap<>();
        List<TransformerModel> perMember = shareBody(jobs, byHead, c);
        MultiHeadModel model = new MultiHeadModel(new ArrayList<>(byHead.values()));
        List<TransformerModel> distinct = new ArrayList<>(byHead.values());
        List<MultitaskData.Member> members = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            members.add(new MultitaskData.Member(datasets.get(i).name(), jobs.get(i).train(), datasets.get(i).weight()));
        }
        int[] route = perMember.stream().mapToInt(distinct::indexOf).toArray();
        MultitaskData data = new MultitaskData(members, strategy, temperature, c.training().seed(), route);
        double[] p = MultitaskData.probabilities(members, strategy, temperature);
        for (int i = 0; i < members.size(); i++) {
            c.console().printf("mix: %s %d rows, probability %.4f (%s)%n", members.get(i).name(), members.get(i).data().size(),
                    p[i], strategy);
        }
        long params = model.namedParameters().values().stream().mapToLong(Parameter::numel).sum();
        c.console().printf("multitask model: %s with heads %s, %,d params%n", model.className(), model.memberHeads(), params);
        boolean anyEval = jobs.stream().anyMatch(j -> j.eval() != null);
        return new Trainer.Job(model, jobs.get(0).tokenizerDir(), data, anyEval ? evaluation(jobs, perMember) : null,
                jobs.get(0).padId(), c.training());
    }

    /**
     * Each member's model over one shared body, that of the first sequence-classification or pretraining member
     * (else the first member's); {@code byHead} receives one model a head, the body's first.
     */
    private List<TransformerModel> shareBody(List<Trainer.Job> jobs, Map<Head, TransformerModel> byHead, JobContext c) {
        int owner = 0;
        for (int i = 0; i < jobs.size(); i++) {
            Head h = jobs.get(i).model().head;
            if (h == Head.SEQUENCE_CLASSIFICATION || h == Head.PRETRAINING) {
                owner = i;
                break;
            }
        }
        TransformerModel body = jobs.get(owner).model();
        Map<Head, String> firstOf = new LinkedHashMap<>();
        byHead.put(body.head, body);
        firstOf.put(body.head, datasets.get(owner).name());
        List<TransformerModel> perMember = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            TransformerModel own = jobs.get(i).model();
            String name = datasets.get(i).name();
            if (i != owner && byHead.containsKey(own.head) && own.head != Head.MASKED_LM && own.head != Head.CAUSAL_LM) {
                throw new Finetune4jException(c.recipe().file() + ": datasets '" + firstOf.get(own.head) + "' and '" + name
                        + "' both need a " + own.head.suffix + " head; a model has one of each");
            }
            firstOf.putIfAbsent(own.head, name);
            perMember.add(byHead.computeIfAbsent(own.head, h -> sharedHead(body, own, c)));
        }
        return perMember;
    }

    /** Every member's metrics under {@code eval_<name>_}, and {@code eval_loss} the mean of their losses. */
    private Evaluation evaluation(List<Trainer.Job> jobs, List<TransformerModel> perMember) {
        return (m, world) -> {
            Map<String, Double> out = new LinkedHashMap<>();
            double sum = 0;
            int k = 0;
            for (int i = 0; i < jobs.size(); i++) {
                if (jobs.get(i).eval() == null) {
                    continue;
                }
                String prefix = "eval_" + datasets.get(i).name() + "_";
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
    }

    /** A model with {@code own}'s head over {@code body}'s parameters; the head's weights are {@code own}'s. */
    private static TransformerModel sharedHead(TransformerModel body, TransformerModel own, JobContext c) {
        if (!(body instanceof Bert b) || !(own.config instanceof BertConfig bc)) {
            throw new Finetune4jException(c.recipe().file() + ": tasks with different heads (" + body.head.suffix + ", "
                    + own.head.suffix + ") share a body only in BERT-family models");
        }
        Bert shared = new Bert(bc, own.head, b);
        Map<String, Parameter> from = own.allNamedParameters();
        shared.allNamedParameters().forEach((name, p) -> {
            if (!p.hasData()) {
                Parameter src = from.get(name);
                p.set(src.data());
                p.setTrainable(src.trainable());
            }
        });
        return shared;
    }
}
