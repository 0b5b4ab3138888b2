package org.finetune4j.model;

import java.util.EnumSet;
import java.util.List;
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
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.F;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * BERT and RoBERTa: post-norm bidirectional encoder (embeddings, N x [self-attention, FFN]),
 * optional tanh pooler, and the heads of BertFor* / RobertaFor*.
 */
public final class Bert extends TransformerModel {

    private final BertConfig c;
    private final String prefix;
    private final Encoder encoder;
    private final Module headModule;

    public Bert(BertConfig c, Head head) {
        this(c, head, null);
    }

    /**
     * A model with {@code head} whose body (embeddings, layers, pooler) is {@code body}'s: the same
     * parameters, so several heads train one encoder (multitask); {@code body} null builds its own.
     */
    public Bert(BertConfig c, Head head, Bert body) {
        super(c, head);
        this.c = c;
        this.prefix = c.roberta() ? "roberta" : "bert";
        boolean pooler = !c.roberta() && (head == Head.SEQUENCE_CLASSIFICATION || head == Head.PRETRAINING
                || head == Head.BASE && c.common().raw().path("add_pooling_layer").asBoolean(true)); // false: an encoder saved without one
        if (body != null && pooler && body.encoder.pooler == null) {
            throw new org.finetune4j.Finetune4jException("the shared body has no pooler, which the " + head.suffix
                    + " head needs");
        }
        this.encoder = add(prefix, body != null ? body.encoder : new Encoder(c, pooler));
        this.headModule = switch (head) {
            case SEQUENCE_CLASSIFICATION -> c.roberta()
                    ? add("classifier", new RobertaClassifier(c))
                    : add("classifier", linear(c.hiddenSize(), c.common().numLabels()));
            case TOKEN_CLASSIFICATION -> add("classifier", linear(c.hiddenSize(), c.common().numLabels()));
            case QUESTION_ANSWERING -> add("qa_outputs", linear(c.hiddenSize(), 2));
            case MASKED_LM -> c.roberta()
                    ? add("lm_head", new RobertaLmHead(c, encoder.embeddings.word.weight))
                    : add("cls", new BertPreTrainingHeads(c, encoder.embeddings.word.weight, false));
            case PRETRAINING -> add("cls", new BertPreTrainingHeads(c, encoder.embeddings.word.weight, true));
            default -> null;
        };
    }

    @Override
    public Set<Head> heads() {
        Set<Head> h = EnumSet.of(Head.BASE, Head.SEQUENCE_CLASSIFICATION, Head.TOKEN_CLASSIFICATION,
                Head.QUESTION_ANSWERING, Head.MASKED_LM);
        if (!((BertConfig) config).roberta()) {
            h.add(Head.PRETRAINING);
        }
        return h;
    }

    @Override
    public String basePrefix() {
        return prefix + ".";
    }

    /** The pooler is a head's too: masked-LM checkpoints have none, and Transformers initialises it. */
    @Override
    public boolean headParameter(String name) {
        return super.headParameter(name) || name.startsWith(prefix + ".pooler.");
    }

    @Override
    public String className() {
        return (c.roberta() ? "Roberta" : "Bert") + head.suffix;
    }

    @Override
    protected Output compute(Inputs in, Forward f) {
        if (head == Head.SEQUENCE_CLASSIFICATION) {
            Tensor first = encoder.firstTokens(in, f); // [B or N, C]
            return Heads.sequenceClassification(c.roberta()
                    ? ((RobertaClassifier) headModule).forward(first, f)
                    : ((Linear) headModule).forward(f.dropout(encoder.pool(first), classifierDropout())), in, c.common());
        }
        Tensor h = encoder.forward(in, f); // [B, T, C]
        return switch (head) {
            case TOKEN_CLASSIFICATION -> Heads.tokenClassification(
                    ((Linear) headModule).forward(f.dropout(h, classifierDropout())), in);
            case QUESTION_ANSWERING -> Heads.questionAnswering(((Linear) headModule).forward(h), in);
            case MASKED_LM -> Heads.maskedLm(h, in, f, c.roberta()
                    ? ((RobertaLmHead) headModule)::forward
                    : ((BertPreTrainingHeads) headModule)::predictions);
            case PRETRAINING -> ((BertPreTrainingHeads) headModule).forward(h, encoder.pool(in.firstTokens(h)), in, f);
            default -> new Output(h, null);
        };
    }

    private double classifierDropout() {
        return c.classifierDropout() != null ? c.classifierDropout() : c.hiddenDropout();
    }

    private Linear linear(long in, long out) {
        return new Linear(in, out, true, c.common().initializerRange());
    }

    /** bert.* / roberta.*: embeddings, encoder layers, pooler. */
    static final class Encoder extends Module {
        final Embeddings embeddings;
        final ModuleList<Layer> layers;
        final Linear pooler;

        Encoder(BertConfig c, boolean pooler) {
            this.embeddings = add("embeddings", new Embeddings(c));
            this.layers = add("encoder", new Group()).child("layer", new ModuleList<>());
            for (int i = 0; i < c.numLayers(); i++) {
                layers.append(new Layer(c));
            }
            this.pooler = pooler
                    ? add("pooler", new Group()).child("dense",
                            new Linear(c.hiddenSize(), c.hiddenSize(), true, c.common().initializerRange()))
                    : null;
        }

        Tensor forward(Inputs in, Forward f) {
            Tensor bias = in.attentionBias(0, false, 0); // [B, 1, 1, T], or [R, 1, L, L] packed
            Tensor h = embeddings.forward(in, f);
            f.hidden(h);
            return Layers.run(layers.list(), h, f, (layer, x, fw) -> {
                Tensor y = layer.forward(x, bias, fw);
                fw.hidden(y);
                return y;
            });
        }

        /**
         * The last layer's output at each example's first token only [B or N, C]: the layers below run on every
         * token, the last one's queries, output projection and FFN on the first tokens (their keys and values on
         * every token), which is all a classifier reads. Passes that keep hidden states or attentions run every
         * token through every layer; with checkpointing the layers below are recomputed and the last one is not.
         */
        Tensor firstTokens(Inputs in, Forward f) {
            List<Layer> all = layers.list();
            if (f.keepAttentions || f.keepHiddenStates || all.isEmpty() || (f.checkpointing && all.size() < 2)) {
                return in.firstTokens(forward(in, f));
            }
            Tensor bias = in.attentionBias(0, false, 0); // [B, 1, 1, T], [R, 1, L, L] packed, or null
            Tensor h = Layers.run(all.subList(0, all.size() - 1), embeddings.forward(in, f), f,
                    (layer, x, fw) -> layer.forward(x, bias, fw)); // [B, T, C]
            Layer last = all.get(all.size() - 1);
            Inputs.Packed p = in.packed();
            if (p == null) { // each row's first token over its row's keys
                return last.forwardAt(h, Torch.arange(0, h.size(0)).mul(h.size(1)), bias, f);
            }
            // packed: every example's first token over all R * L keys as one row, masked to its own example's
            // (a token's example numbered uniquely over the rows; pads, sequence id 0, belong to none)
            long r = h.size(0);
            long l = h.size(1);
            Tensor example = p.sequenceIds().add(Torch.arange(0, r).unsqueeze(1).mul(l + 1)).reshape(-1); // [R * L]
            Tensor own = example.indexSelect(0, p.firsts()).unsqueeze(1); // [N, 1]
            Tensor keys = example.unsqueeze(0).eq(own).to(DType.F32).sub(1).mul(Float.MAX_VALUE).view(1, 1, own.size(0), r * l);
            return last.forwardAt(h.reshape(1, r * l, h.size(2)), p.firsts(), keys, f);
        }

        /** tanh(dense(first)) of the first tokens' hidden states [B or N, C]. */
        Tensor pool(Tensor first) {
            return pooler.forward(first).tanh();
        }
    }

    /** word + position + token type, then LayerNorm and dropout. */
    static final class Embeddings extends Module {
        final Embedding word;
        final Embedding position;
        final Embedding tokenType;
        final LayerNorm norm;
        private final BertConfig c;

        Embeddings(BertConfig c) {
            this.c = c;
            double std = c.common().initializerRange();
            this.word = add("word_embeddings", new Embedding(c.vocabSize(), c.hiddenSize(), std, c.padTokenId()));
            this.position = add("position_embeddings", new Embedding(c.maxPositionEmbeddings(), c.hiddenSize(), std,
                    c.roberta() ? c.padTokenId() : -1));
            this.tokenType = add("token_type_embeddings", new Embedding(c.typeVocabSize(), c.hiddenSize(), std, -1));
            this.norm = add("LayerNorm", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
        }

        Tensor forward(Inputs in, Forward f) {
            Tensor ids = in.inputIds(); // [B, T]
            Tensor pos = in.positionIds() != null ? in.positionIds()
                    : in.packed() != null ? in.packed().positions().add(c.roberta() ? c.padTokenId() + 1L : 0L) // [R, L]
                    : positions(ids);
            Tensor types = in.tokenTypeIds() != null ? in.tokenTypeIds() : Torch.zeros(DType.I64, ids.shape());
            Tensor h = word.forward(ids).add(position.forward(pos)).add(tokenType.forward(types)); // [B, T, C]
            return f.dropout(norm.forward(h), c.hiddenDropout());
        }

        /** BERT: 0..T-1; RoBERTa: pad + running count of real tokens, pads at pad. */
        private Tensor positions(Tensor ids) {
            long t = ids.size(1);
            if (!c.roberta()) {
                return Torch.arange(0, t).unsqueeze(0);
            }
            Tensor real = ids.ne(c.padTokenId()).to(DType.I64);
            return real.cumsum(1).mul(real).add(c.padTokenId());
        }
    }

    /** One post-norm encoder layer with HF's nested names. */
    static final class Layer extends Module {
        final Linear query;
        final Linear key;
        final Linear value;
        final Linear attnOut;
        final LayerNorm attnNorm;
        final Linear up;
        final Linear down;
        final LayerNorm outNorm;
        private final BertConfig c;
        private final Activations act;

        Layer(BertConfig c) {
            this.c = c;
            this.act = Activations.parse(c.hiddenAct(), "config.json");
            double std = c.common().initializerRange();
            long d = c.hiddenSize();
            Group attention = add("attention", new Group());
            Group self = attention.child("self", new Group());
            this.query = self.child("query", new Linear(d, d, true, std));
            this.key = self.child("key", new Linear(d, d, true, std));
            this.value = self.child("value", new Linear(d, d, true, std));
            Group attnOutput = attention.child("output", new Group());
            this.attnOut = attnOutput.child("dense", new Linear(d, d, true, std));
            this.attnNorm = attnOutput.child("LayerNorm", new LayerNorm(d, c.layerNormEps()));
            this.up = add("intermediate", new Group()).child("dense", new Linear(d, c.intermediateSize(), true, std));
            Group output = add("output", new Group());
            this.down = output.child("dense", new Linear(c.intermediateSize(), d, true, std));
            this.outNorm = output.child("LayerNorm", new LayerNorm(d, c.layerNormEps()));
        }

        Tensor forward(Tensor h, Tensor bias, Forward f) { // [B, T, C]
            int heads = c.numHeads();
            Tensor q = Attention.splitHeads(query.forward(h), heads); // [B, H, T, D]
            Tensor k = Attention.splitHeads(key.forward(h), heads);
            Tensor v = Attention.splitHeads(value.forward(h), heads);
            return rest(h, q, k, v, bias, f);
        }

        /**
         * The layer's output at N chosen tokens only [N, C]: the tokens {@code flat} (flat indices into the B * T
         * tokens of h [B, T, C], N / B of them in each row, row by row) attend over the keys of their row with
         * {@code bias} [B or 1, 1, N / B or 1, T] (or null).
         */
        Tensor forwardAt(Tensor h, Tensor flat, Tensor bias, Forward f) {
            int heads = c.numHeads();
            Tensor hq = h.reshape(-1, h.size(2)).indexSelect(0, flat).view(h.size(0), -1, h.size(2)); // [B, N / B, C]
            Tensor q = Attention.splitHeads(query.forward(hq), heads); // [B, H, N / B, D]
            Tensor k = Attention.splitHeads(key.forward(h), heads); // [B, H, T, D]
            Tensor v = Attention.splitHeads(value.forward(h), heads);
            return rest(hq, q, k, v, bias, f).reshape(flat.size(0), h.size(2));
        }

        /** Attention of q over k, v, then the output projection, residual, norm and FFN on x's positions. */
        private Tensor rest(Tensor x, Tensor q, Tensor k, Tensor v, Tensor bias, Forward f) {
            double scale = 1.0 / Math.sqrt(c.hiddenSize() / (double) c.numHeads());
            Tensor ctx = Attention.mergeHeads(Attention.attend(q, k, v, bias, scale, c.attentionDropout(), f));
            Tensor a = attnNorm.forward(f.dropout(attnOut.forward(ctx), c.hiddenDropout()).add(x));
            Tensor i = act.apply(up.forward(a)); // [B, T, I]
            return outNorm.forward(f.dropout(down.forward(i), c.hiddenDropout()).add(a));
        }
    }

    /** RoBERTa's classifier: dense + tanh + out_proj on the first token. */
    static final class RobertaClassifier extends Module {
        final Linear dense;
        final Linear outProj;
        private final double dropout;

        RobertaClassifier(BertConfig c) {
            double std = c.common().initializerRange();
            this.dense = add("dense", new Linear(c.hiddenSize(), c.hiddenSize(), true, std));
            this.outProj = add("out_proj", new Linear(c.hiddenSize(), c.common().numLabels(), true, std));
            this.dropout = c.classifierDropout() != null ? c.classifierDropout() : c.hiddenDropout();
        }

        /** {@code first}: each example's first token [B, C]. */
        Tensor forward(Tensor first, Forward f) {
            Tensor x = f.dropout(first, dropout); // [B, C]
            x = f.dropout(dense.forward(x).tanh(), dropout);
            return outProj.forward(x); // [B, labels]
        }
    }

    /** RoBERTa's lm_head: dense + gelu + layer_norm + tied decoder + bias. */
    static final class RobertaLmHead extends Module {
        final Linear dense;
        final LayerNorm norm;
        final Linear decoder;

        RobertaLmHead(BertConfig c, Parameter wordEmbeddings) {
            this.dense = add("dense", new Linear(c.hiddenSize(), c.hiddenSize(), true, c.common().initializerRange()));
            this.norm = add("layer_norm", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
            Parameter bias = param("bias", Init.ZEROS, c.vocabSize());
            this.decoder = add("decoder", new Linear(wordEmbeddings, bias));
        }

        Tensor forward(Tensor h) {
            return decoder.forward(norm.forward(F.gelu(dense.forward(h)))); // [B, T, V]
        }
    }

    /** cls.predictions (transform + tied decoder + bias) and, for pretraining, cls.seq_relationship. */
    static final class BertPreTrainingHeads extends Module {
        final Linear transform;
        final LayerNorm norm;
        final Linear decoder;
        final Linear seqRelationship;
        private final Activations act;

        BertPreTrainingHeads(BertConfig c, Parameter wordEmbeddings, boolean nsp) {
            double std = c.common().initializerRange();
            this.act = Activations.parse(c.hiddenAct(), "config.json");
            Group predictions = add("predictions", new Group());
            Parameter bias = predictions.parameter("bias", Init.ZEROS, c.vocabSize());
            Group t = predictions.child("transform", new Group());
            this.transform = t.child("dense", new Linear(c.hiddenSize(), c.hiddenSize(), true, std));
            this.norm = t.child("LayerNorm", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
            this.decoder = predictions.child("decoder", new Linear(wordEmbeddings, bias));
            this.seqRelationship = nsp ? add("seq_relationship", new Linear(c.hiddenSize(), 2, true, std)) : null;
        }

        Tensor predictions(Tensor h) { // [B, T, C] -> [B, T, V]
            return decoder.forward(norm.forward(act.apply(transform.forward(h))));
        }

        /**
         * MLM logits [B, T, V] (or [N, V] at the labelled positions, as {@link Heads#maskedLm}) and NSP logits [B, 2]
         * of the pooled first tokens; the loss, with both kinds of labels, is the sum of the two cross-entropies.
         */
        Output forward(Tensor h, Tensor pooled, Inputs in, Forward f) {
            Tensor nsp = seqRelationship.forward(pooled); // [B, 2]
            if (in.labels() == null || in.nextSentenceLabel() == null) {
                return Output.pretraining(predictions(h), nsp, null);
            }
            Output mlm = Heads.maskedLm(h, in, f, this::predictions);
            return Output.pretraining(mlm.logits(), nsp, mlm.loss().add(Losses.crossEntropy(nsp, in.nextSentenceLabel().reshape(-1))));
        }
    }
}
