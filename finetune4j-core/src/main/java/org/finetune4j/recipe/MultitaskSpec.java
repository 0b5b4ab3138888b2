package org.finetune4j.recipe;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code data} block of {@code task: multitask}: a {@code strategy} (concatenate, interleave,
 * temperature with {@code temperature}) and {@code datasets}, a list of tasks each with a
 * {@code name}, its {@code task}, a {@code weight} and its own {@code data} block, read by that
 * task's reader. Any task of {@link Recipe#READERS} can join.
 */
public record MultitaskSpec(String strategy, double temperature, List<Member> datasets) implements Recipe.TaskSpec {

    /** One task of the mix. */
    public record Member(String name, String task, double weight, Recipe.TaskSpec data) {}

    static final List<String> STRATEGIES = List.of("concatenate", "interleave", "temperature");

    static MultitaskSpec read(Node d) {
        String strategy = d.choice("strategy", "temperature", STRATEGIES);
        double temperature = d.number("temperature", 2.0);
        if (!(temperature > 0)) {
            throw d.error("temperature", "must be greater than 0, got " + temperature);
        }
        List<Member> members = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<String> tasks = Recipe.TASKS.stream().filter(t -> !t.equals("multitask")).toList();
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
            Recipe.TaskSpec spec = Recipe.READERS.get(task).apply(data);
            data.finish();
            m.finish();
            members.add(new Member(name, task, weight, spec));
        }
        if (members.isEmpty()) {
            throw d.error("datasets", "must list at least one task (name, task, weight, data)");
        }
        return new MultitaskSpec(strategy, temperature, members);
    }
}
