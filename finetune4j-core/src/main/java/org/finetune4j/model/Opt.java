package org.finetune4j.model;

import org.finetune4j.nn.Activations;
import org.finetune4j.nn.Attention;
import org.finetune4j.nn.Embedding;
import org.finetune4j.nn.Forward;
import org.finetune4j.nn.Group;
import org.finetune4j.nn.LayerNorm;
import org.finetune4j.nn.Layers;
import org.finetune4j.nn.Linear;
import org.finetune4j.nn.Module;
import org.finetune4j.nn.ModuleList;
import org.finetune4j.tensor.DType;
import org.finetune4j.tensor.Tensor;

/**
 * OPT: token embeddings (optionally projected in and out), learned positions offset by 2,
 * N x [self-attention, ReLU FFN] pre-norm (or post-norm as OPT-350m); heads OPTForCausalLM
 * (lm_head tied to embed_tokens), OPTForSequenceClassification and OPTModel.
 */
public final class Opt extends DecoderModel {

    private static final double LN_EPS = 1e-5;
    private final OptConfig c;
    private final Decoder decoder;

    public Opt(OptConfig c, Head head) {
        super(c, head);
        this.c = c;
        this.decoder = add("model", new Group()).child("decoder", new Decoder(c));
        addHead(decoder.embedTokens.weight, c.wordEmbedProjDim());
    }

    /** OPTModel saves its keys as decoder.*, so a bare checkpoint loads under "model.". */
    @Override
    public String basePrefix() {
        return "model.";
    }

    @Override
    public String className() {
        return "OPT" + head.suffix;
    }

    @Override
    Tensor hidden(Inputs in, Forward f) {
        return decoder.forward(in, f);
    }

    /** model.decoder.*: embed_tokens [V, P], embed_positions, project_out/in, final_layer_norm, layers. */
    static final class Decoder extends Module {
        final Embedding embedTokens;
        final Embedding embedPositions;
        final Linear projectOut;
        final Linear projectIn;
        final LayerNorm finalNorm;
        final ModuleList<Layer> layers;

        Decoder(OptConfig c) {
            double std = c.common().initializerRange();
            long d = c.hiddenSize();
            long p = c.wordEmbedProjDim();
            Integer pad = c.common().padTokenId();
            this.embedTokens = add("embed_tokens", new Embedding(c.vocabSize(), p, std, pad == null ? -1 : pad));
            this.embedPositions = add("embed_positions",
                    new Embedding(c.maxPositionEmbeddings() + OptConfig.POSITION_OFFSET, d, std, -1));
            boolean project = p != d;
            this.projectOut = project ? add("project_out", new Linear(d, p, false, std)) : null;
            this.projectIn = project ? add("project_in", new Linear(p, d, false, std)) : null;
            this.finalNorm = c.finalLayerNorm()
                    ? add("final_layer_norm", new LayerNorm(d, LN_EPS, c.layerNormElementwiseAffine())) : null;
            this.layers = add("layers", new ModuleList<>());
            for (int i = 0; i < c.numLayers(); i++) {
                layers.append(new Layer(c, i));
            }
        }

        /** Hidden states as HF reports them: embeddings, each layer's input, then the final (normed, projected) output. */
        Tensor forward(Inputs in, Forward f) {
            long past = f.pastLength();
            Tensor mask = in.maskOrOnes(past); // [B, past + T]
            Tensor x = embedTokens.forward(in.inputIds()); // [B, T, P]
            if (projectIn != null) {
                x = projectIn.forward(x); // [B, T, C]
            }
            Tensor pos = in.givenPositions() != null ? in.givenPositions()
                    : past == 0 ? positions(mask) : positions(mask).slice(1, past, past + in.length()); // [B, T]
            x = x.add(embedPositions.forward(pos.add(OptConfig.POSITION_OFFSET))); // [B, T, C]
            Tensor bias = in.attentionBias(past, true, 0); // [B, 1, T, past + T]
            x = Layers.run(layers.list(), x, f, (layer, h, fw) -> {
                fw.hidden(h);
                return layer.forward(h, bias, fw);
            });
            if (finalNorm != null) {
                x = finalNorm.forward(x);
            }
            if (projectOut != null) {
                x = projectOut.forward(x); // [B, T, P]
            }
            f.hidden(x);
            return x;
        }

        /** cumsum(mask) * mask - 1: real tokens count from 0, pads get -1 (row 1 after the offset). */
        private static Tensor positions(Tensor mask) {
            Tensor m = mask.to(DType.I64); // [B, T]
            return m.cumsum(1).mul(m).sub(1);
        }
    }

    /** One layer: self_attn.{q,k,v,out}_proj, self_attn_layer_norm, fc1, fc2, final_layer_norm. */
    static final class Layer extends Module {
        final Linear q;
        final Linear k;
        final Linear v;
        final Linear outProj;
        final LayerNorm attnNorm;
        final Linear fc1;
        final Linear fc2;
        final LayerNorm ffnNorm;
        private final OptConfig c;
        private final Activations act;
        private final int index;

        Layer(OptConfig c, int index) {
            this.c = c;
            this.index = index;
            this.act = Activations.parse(c.activation(), "config.json");
            double std = c.common().initializerRange();
            long d = c.hiddenSize();
            boolean bias = c.enableBias();
            Group attn = add("self_attn", new Group());
            this.k = attn.child("k_proj", new Linear(d, d, bias, std));
            this.v = attn.child("v_proj", new Linear(d, d, bias, std));
            this.q = attn.child("q_proj", new Linear(d, d, bias, std));
            this.outProj = attn.child("out_proj", new Linear(d, d, bias, std));
            this.attnNorm = add("self_attn_layer_norm", new LayerNorm(d, LN_EPS, c.layerNormElementwiseAffine()));
            this.fc1 = add("fc1", new Linear(d, c.ffnDim(), bias, std));
            this.fc2 = add("fc2", new Linear(c.ffnDim(), d, bias, std));
            this.ffnNorm = add("final_layer_norm", new LayerNorm(d, LN_EPS, c.layerNormElementwiseAffine()));
        }

        Tensor forward(Tensor x, Tensor bias, Forward f) { // [B, T, C]
            boolean pre = c.doLayerNormBefore();
            x = x.add(f.dropout(attn(pre ? attnNorm.forward(x) : x, bias, f), c.dropout()));
            if (!pre) {
                x = attnNorm.forward(x);
            }
            x = x.add(f.dropout(mlp(pre ? ffnNorm.forward(x) : x), c.dropout()));
            return pre ? x : ffnNorm.forward(x);
        }

        /** OPT scales q by 1/sqrt(d) before q k^T (so the scores are not scaled again). */
        private Tensor attn(Tensor x, Tensor bias, Forward f) {
            int heads = c.numHeads();
            float scaling = (float) Math.pow(c.hiddenSize() / (double) heads, -0.5);
            Tensor qh = Attention.splitHeads(q.forward(x).mul(scaling), heads); // [B, H, T, D]
            Tensor[] kv = f.keysValues(index, Attention.splitHeads(k.forward(x), heads),
                    Attention.splitHeads(v.forward(x), heads)); // 2 x [B, H, S, D]
            Tensor ctx = Attention.attend(qh, kv[0], kv[1], bias, 1.0, c.attentionDropout(), f); // [B, H, T, D]
            return outProj.forward(Attention.mergeHeads(ctx)); // [B, T, C]
        }

        /** fc2(act(fc1(x))); HF's OPT layer does not apply activation_dropout, so neither do we. */
        private Tensor mlp(Tensor x) {
            return fc2.forward(act.apply(fc1.forward(x))); // [B, T, F] -> [B, T, C]
        }
    }
}
