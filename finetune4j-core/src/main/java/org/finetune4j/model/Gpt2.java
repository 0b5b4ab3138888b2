package org.finetune4j.model;

import org.finetune4j.nn.Activations;
import org.finetune4j.nn.Attention;
import org.finetune4j.nn.Conv1D;
import org.finetune4j.nn.Embedding;
import org.finetune4j.nn.Forward;
import org.finetune4j.nn.Group;
import org.finetune4j.nn.LayerNorm;
import org.finetune4j.nn.Layers;
import org.finetune4j.nn.Linear;
import org.finetune4j.nn.Module;
import org.finetune4j.nn.ModuleList;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * GPT-2: learned positions, N x pre-norm [causal self-attention, MLP] with Conv1D layers, ln_f;
 * heads GPT2LMHeadModel (lm_head tied to wte), GPT2ForSequenceClassification and GPT2Model.
 */
public final class Gpt2 extends DecoderModel {

    private final Gpt2Config c;
    private final Backbone transformer;

    public Gpt2(Gpt2Config c, Head head) {
        super(c, head);
        this.c = c;
        this.transformer = add("transformer", new Backbone(c));
        addHead(transformer.wte.weight, c.hiddenSize());
    }

    @Override
    public String basePrefix() {
        return "transformer.";
    }

    @Override
    public String className() {
        return head == Head.CAUSAL_LM ? "GPT2LMHeadModel" : "GPT2" + head.suffix;
    }

    @Override
    Tensor hidden(Inputs in, Forward f) {
        return transformer.forward(in, f);
    }

    /** transformer.*: wte + wpe, the blocks h.N, ln_f. */
    static final class Backbone extends Module {
        final Embedding wte;
        final Embedding wpe;
        final ModuleList<Block> h;
        final LayerNorm lnF;
        private final Gpt2Config c;

        Backbone(Gpt2Config c) {
            this.c = c;
            double std = c.common().initializerRange();
            this.wte = add("wte", new Embedding(c.vocabSize(), c.hiddenSize(), std, -1));
            this.wpe = add("wpe", new Embedding(c.maxPositions(), c.hiddenSize(), std, -1));
            this.h = add("h", new ModuleList<>());
            for (int i = 0; i < c.numLayers(); i++) {
                h.append(new Block(c, i));
            }
            this.lnF = add("ln_f", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
        }

        /** Hidden states as HF reports them: embeddings, each block's input, then ln_f's output. */
        Tensor forward(Inputs in, Forward f) {
            Tensor ids = in.inputIds(); // [B, T]
            long past = f.pastLength();
            Tensor pos = in.givenPositions() != null ? in.givenPositions()
                    : Torch.arange(past, past + in.length()).unsqueeze(0);
            Tensor x = wte.forward(ids).add(wpe.forward(pos)); // [B, T, C]
            if (in.tokenTypeIds() != null) {
                x = x.add(wte.forward(in.tokenTypeIds()));
            }
            x = f.dropout(x, c.embdDropout());
            Tensor bias = in.attentionBias(past, true, 0); // [B, 1, T, past + T]
            x = Layers.run(h.list(), x, f, (block, h, fw) -> {
                fw.hidden(h);
                return block.forward(h, bias, fw);
            });
            x = lnF.forward(x);
            f.hidden(x);
            return x;
        }
    }

    /** One pre-norm block: ln_1, attn.{c_attn, c_proj}, ln_2, mlp.{c_fc, c_proj}. */
    static final class Block extends Module {
        final LayerNorm ln1;
        final Conv1D cAttn;
        final Conv1D attnProj;
        final LayerNorm ln2;
        final Conv1D cFc;
        final Conv1D mlpProj;
        private final Gpt2Config c;
        private final Activations act;
        private final double scale;
        private final int layer;

        Block(Gpt2Config c, int layer) {
            this.c = c;
            this.layer = layer;
            this.act = Activations.parse(c.activation(), "config.json");
            double std = c.common().initializerRange();
            double projStd = std / Math.sqrt(2.0 * c.numLayers()); // HF rescales every c_proj.weight
            long d = c.hiddenSize();
            this.ln1 = add("ln_1", new LayerNorm(d, c.layerNormEps()));
            Group attn = add("attn", new Group());
            this.cAttn = attn.child("c_attn", new Conv1D(d, 3 * d, std));
            this.attnProj = attn.child("c_proj", new Conv1D(d, d, projStd));
            this.ln2 = add("ln_2", new LayerNorm(d, c.layerNormEps()));
            Group mlp = add("mlp", new Group());
            this.cFc = mlp.child("c_fc", new Conv1D(d, c.innerSize(), std));
            this.mlpProj = mlp.child("c_proj", new Conv1D(c.innerSize(), d, projStd));
            double s = c.scaleAttnWeights() ? 1.0 / Math.sqrt(d / (double) c.numHeads()) : 1.0;
            this.scale = c.scaleAttnByInverseLayerIdx() ? s / (layer + 1) : s;
        }

        Tensor forward(Tensor x, Tensor bias, Forward f) { // [B, T, C]
            x = x.add(attn(ln1.forward(x), bias, f));
            return x.add(mlp(ln2.forward(x), f));
        }

        private Tensor attn(Tensor x, Tensor bias, Forward f) {
            Tensor[] qkv = cAttn.forward(x).chunk(3, 2); // 3 x [B, T, C]
            int heads = c.numHeads();
            Tensor q = Attention.splitHeads(qkv[0], heads); // [B, H, T, D]
            Tensor[] kv = f.keysValues(layer, Attention.splitHeads(qkv[1], heads),
                    Attention.splitHeads(qkv[2], heads)); // 2 x [B, H, S, D]
            Tensor ctx = Attention.attend(q, kv[0], kv[1], bias, scale, c.attnDropout(), f); // [B, H, T, D]
            return f.dropout(attnProj.forward(Attention.mergeHeads(ctx)), c.residDropout()); // [B, T, C]
        }

        private Tensor mlp(Tensor x, Forward f) {
            return f.dropout(mlpProj.forward(act.apply(cFc.forward(x))), c.residDropout()); // [B, T, C]
        }
    }
}
