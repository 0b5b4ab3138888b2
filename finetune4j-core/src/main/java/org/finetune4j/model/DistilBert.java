package org.finetune4j.model;

import java.util.EnumSet;
import java.util.Set;
import org.finetune4j.nn.Activations;
import org.finetune4j.nn.Attention;
import org.finetune4j.nn.Embedding;
import org.finetune4j.nn.Forward;
import org.finetune4j.nn.Group;
import org.finetune4j.nn.Init;
import org.finetune4j.nn.LayerNorm;
import org.finetune4j.nn.Layers;
import org.finetune4j.nn.Linear;
import org.finetune4j.nn.Module;
import org.finetune4j.nn.ModuleList;
import org.finetune4j.nn.Parameter;
import org.finetune4j.tensor.F;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/** DistilBERT: BERT's post-norm encoder without token types or pooler, and its heads. */
public final class DistilBert extends TransformerModel {

    private static final double LN_EPS = 1e-12;
    private final DistilBertConfig c;
    private final Encoder encoder;
    private final Linear preClassifier;
    private final Linear output;
    private final LmHead lm;

    public DistilBert(DistilBertConfig c, Head head) {
        super(c, head);
        this.c = c;
        double std = c.common().initializerRange();
        long d = c.hiddenSize();
        this.encoder = add("distilbert", new Encoder(c));
        this.preClassifier = head == Head.SEQUENCE_CLASSIFICATION ? add("pre_classifier", new Linear(d, d, true, std)) : null;
        this.output = switch (head) {
            case SEQUENCE_CLASSIFICATION, TOKEN_CLASSIFICATION ->
                    add("classifier", new Linear(d, c.common().numLabels(), true, std));
            case QUESTION_ANSWERING -> add("qa_outputs", new Linear(d, 2, true, std));
            default -> null;
        };
        this.lm = head == Head.MASKED_LM ? new LmHead(this, c, encoder.word.weight) : null;
    }

    @Override
    public Set<Head> heads() {
        return EnumSet.of(Head.BASE, Head.SEQUENCE_CLASSIFICATION, Head.TOKEN_CLASSIFICATION,
                Head.QUESTION_ANSWERING, Head.MASKED_LM);
    }

    @Override
    public String basePrefix() {
        return "distilbert.";
    }

    @Override
    public String className() {
        return "DistilBert" + head.suffix;
    }

    @Override
    protected Output compute(Inputs in, Forward f) {
        Tensor h = encoder.forward(in, f); // [B, T, C]
        return switch (head) {
            case SEQUENCE_CLASSIFICATION -> {
                Tensor pooled = F.relu(preClassifier.forward(in.firstTokens(h))); // [B, C]
                yield Heads.sequenceClassification(output.forward(f.dropout(pooled, c.seqClassifDropout())), in, c.common());
            }
            case TOKEN_CLASSIFICATION -> Heads.tokenClassification(output.forward(f.dropout(h, c.dropout())), in);
            case QUESTION_ANSWERING -> Heads.questionAnswering(output.forward(f.dropout(h, c.qaDropout())), in);
            case MASKED_LM -> Heads.maskedLm(h, in, f, lm::forward);
            default -> new Output(h, null);
        };
    }

    /** distilbert.*: embeddings and transformer.layer.N. */
    static final class Encoder extends Module {
        final Embedding word;
        final Embedding position;
        final LayerNorm norm;
        final ModuleList<Layer> layers;
        private final DistilBertConfig c;

        Encoder(DistilBertConfig c) {
            this.c = c;
            double std = c.common().initializerRange();
            Group emb = add("embeddings", new Group());
            Integer pad = c.common().padTokenId();
            this.word = emb.child("word_embeddings", new Embedding(c.vocabSize(), c.hiddenSize(), std, pad == null ? 0 : pad));
            this.position = emb.child("position_embeddings", new Embedding(c.maxPositionEmbeddings(), c.hiddenSize(), std, -1));
            this.norm = emb.child("LayerNorm", new LayerNorm(c.hiddenSize(), LN_EPS));
            this.layers = add("transformer", new Group()).child("layer", new ModuleList<>());
            for (int i = 0; i < c.numLayers(); i++) {
                layers.append(new Layer(c));
            }
        }

        Tensor forward(Inputs in, Forward f) {
            Tensor ids = in.inputIds(); // [B, T]
            Tensor pos = in.givenPositions() != null ? in.givenPositions()
                    : Torch.arange(0, in.length()).unsqueeze(0);
            Tensor h = f.dropout(norm.forward(word.forward(ids).add(position.forward(pos))), c.dropout());
            Tensor bias = in.attentionBias(0, false, 0); // [B, 1, 1, T], or [R, 1, L, L] packed
            f.hidden(h);
            return Layers.run(layers.list(), h, f, (layer, x, fw) -> {
                Tensor y = layer.forward(x, bias, fw);
                fw.hidden(y);
                return y;
            });
        }
    }

    /** One DistilBERT layer: attention.{q,k,v,out}_lin, sa_layer_norm, ffn.lin1/lin2, output_layer_norm. */
    static final class Layer extends Module {
        final Linear q;
        final Linear k;
        final Linear v;
        final Linear out;
        final LayerNorm saNorm;
        final Linear lin1;
        final Linear lin2;
        final LayerNorm outNorm;
        private final DistilBertConfig c;
        private final Activations act;

        Layer(DistilBertConfig c) {
            this.c = c;
            this.act = Activations.parse(c.activation(), "config.json");
            double std = c.common().initializerRange();
            long d = c.hiddenSize();
            Group attention = add("attention", new Group());
            this.q = attention.child("q_lin", new Linear(d, d, true, std));
            this.k = attention.child("k_lin", new Linear(d, d, true, std));
            this.v = attention.child("v_lin", new Linear(d, d, true, std));
            this.out = attention.child("out_lin", new Linear(d, d, true, std));
            this.saNorm = add("sa_layer_norm", new LayerNorm(d, LN_EPS));
            Group ffn = add("ffn", new Group());
            this.lin1 = ffn.child("lin1", new Linear(d, c.hiddenDim(), true, std));
            this.lin2 = ffn.child("lin2", new Linear(c.hiddenDim(), d, true, std));
            this.outNorm = add("output_layer_norm", new LayerNorm(d, LN_EPS));
        }

        Tensor forward(Tensor h, Tensor bias, Forward f) { // [B, T, C]
            int heads = c.numHeads();
            double scale = 1.0 / Math.sqrt(c.hiddenSize() / (double) heads);
            Tensor ctx = Attention.attend(Attention.splitHeads(q.forward(h), heads),
                    Attention.splitHeads(k.forward(h), heads), Attention.splitHeads(v.forward(h), heads),
                    bias, scale, c.attentionDropout(), f);
            Tensor sa = saNorm.forward(out.forward(Attention.mergeHeads(ctx)).add(h));
            Tensor ff = f.dropout(lin2.forward(act.apply(lin1.forward(sa))), c.dropout());
            return outNorm.forward(ff.add(sa));
        }
    }

    /** vocab_transform + activation + vocab_layer_norm + vocab_projector (tied to the word embeddings). */
    static final class LmHead {
        final Linear transform;
        final LayerNorm norm;
        final Linear projector;
        private final Activations act;

        LmHead(DistilBert owner, DistilBertConfig c, Parameter wordEmbeddings) {
            long d = c.hiddenSize();
            this.act = Activations.parse(c.activation(), "config.json");
            this.transform = owner.add("vocab_transform", new Linear(d, d, true, c.common().initializerRange()));
            this.norm = owner.add("vocab_layer_norm", new LayerNorm(d, LN_EPS));
            this.projector = owner.add("vocab_projector",
                    new Linear(wordEmbeddings, new Parameter(Init.ZEROS, c.vocabSize())));
        }

        Tensor forward(Tensor h) {
            return projector.forward(norm.forward(act.apply(transform.forward(h)))); // [B, T, V]
        }
    }
}
