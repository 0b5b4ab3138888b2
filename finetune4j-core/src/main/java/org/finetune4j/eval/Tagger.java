package org.finetune4j.eval;

import java.util.ArrayList;
import java.util.List;
import org.finetune4j.model.Inputs;
import org.finetune4j.model.TaskModel;
import org.finetune4j.nn.Forward;
import org.finetune4j.tensor.Autograd;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;
import org.finetune4j.tokenize.Pieces;

/**
 * NER on raw text: the tokenizer's pre-tokenizer splits it into words, each word takes the tag of
 * its first piece (the label that training put there), and the word tags are grouped into entities
 * by seqeval's default rules; each entity gets its character span in the text and the mean
 * probability of its words' tags.
 */
public final class Tagger {

    private Tagger() {}

    /** One entity: type, text, character span [start, end) in the input, score. */
    public record Entity(String type, String text, int start, int end, double score) {}

    /** A word with its tag, span and the tag's probability. */
    public record Word(String text, String tag, int start, int end, double score) {}

    /** The tagged words of {@code text}, truncated to {@code maxLength} tokens. */
    public static List<Word> words(TaskModel m, String text, int maxLength) {
        Pieces p = m.tokenizer().encodeWithOffsets(text, maxLength);
        int n = p.length();
        float[] probs;
        try (Scope step = Scope.open(); Autograd.Guard off = Autograd.noGrad()) {
            Tensor ids = Torch.tensor(p.ids(), 1, n);
            Inputs in = Inputs.of(ids, Torch.ones(DType.I64, 1, n));
            if (m.model().config.tokenTypes()) {
                in = in.withTokenTypeIds(Torch.tensor(p.typeIds(), 1, n));
            }
            probs = m.model().forward(in, Forward.eval()).logits().softmax(-1).toFloatArray(); // [1, T, labels]
        }
        int k = m.labels().size();
        List<Word> words = new ArrayList<>();
        int previous = -1;
        for (int t = 0; t < n; t++) {
            int w = p.wordIds()[t];
            if (w < 0 || p.starts()[t] < 0) {
                previous = -1;
                continue;
            }
            if (w == previous) {
                Word last = words.remove(words.size() - 1);
                words.add(new Word(text.substring(last.start(), p.ends()[t]), last.tag(), last.start(), p.ends()[t], last.score()));
                continue;
            }
            int best = 0;
            for (int c = 1; c < k; c++) {
                best = probs[t * k + c] > probs[t * k + best] ? c : best;
            }
            words.add(new Word(text.substring(p.starts()[t], p.ends()[t]), m.labels().get(best), p.starts()[t], p.ends()[t],
                    probs[t * k + best]));
            previous = w;
        }
        return words;
    }

    /** The entities of {@code text}. */
    public static List<Entity> entities(TaskModel m, String text, int maxLength) {
        List<Word> words = words(m, text, maxLength);
        List<Entity> out = new ArrayList<>();
        for (Seqeval.Entity e : Seqeval.lenient(0, words.stream().map(Word::tag).toList())) {
            double score = 0;
            for (int w = e.start(); w <= e.end(); w++) {
                score += words.get(w).score();
            }
            int s = words.get(e.start()).start();
            int end = words.get(e.end()).end();
            out.add(new Entity(e.type(), text.substring(s, end), s, end, score / (e.end() - e.start() + 1)));
        }
        return out;
    }
}
