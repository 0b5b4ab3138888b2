package org.finetune4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import org.finetune4j.nn.Activations;
import org.finetune4j.nn.Attention;
import org.finetune4j.nn.Embedding;
import org.finetune4j.nn.Forward;
import org.finetune4j.nn.Group;
import org.finetune4j.nn.Layers;
import org.finetune4j.nn.Linear;
import org.finetune4j.nn.Module;
import org.finetune4j.nn.ModuleList;
import org.finetune4j.nn.RmsNorm;
import org.finetune4j.nn.Rope;
import org.finetune4j.tensor.Tensor;
import org.finetune4j.tensor.Torch;

/**
 * The Llama family (Llama, Mistral, Qwen2): token embeddings, N x pre-RMSNorm [RoPE grouped-query
 * attention, SwiGLU MLP], final norm; heads XForCausalLM, XForSequenceClassification and XModel.
 */
public final class Llama extends DecoderModel {

    private final LlamaConfig c;
    private final Backbone model;

    public Llama(LlamaConfig c, Head head) {
        super(c, head);
        this.c = c;
        this.model = add("model", new Backbone(c));
        addHead(model.embedTokens.weight, c.hiddenSize());
    }

    @Override
    public String basePrefix() {
        return "model.";
    }

    @Override
    public String className() {
        String family = switch (c.common().modelType()) {
            case "mistral" -> "Mistral";
            case "qwen2" -> "Qwen2";
            default -> "Llama";
        };
        return family + head.suffix;
    }

    @Override
    Tensor hidden(Inputs in, Forward f) {
        return model.forward(in, f);
    }

    /** The rotary embedding of a config: plain 1 / theta^(2i/d), or remapped by llama3 rope_scaling. */
    static Rope rope(LlamaConfig c) {
        float[] inv = Rope.inverseFrequencies(c.headDim(), c.ropeTheta());
        LlamaConfig.RopeScaling s = c.ropeScaling();
        if (s != null) {
            inv = Rope.llama3(inv, s.factor(), s.lowFreqFactor(), s.highFreqFactor(), s.originalMaxPositions());
        }
        return new Rope(inv);
    }

    /** model.*: embed_tokens, layers.N, norm. */
    static final class Backbone extends Module {
        final Embedding embedTokens;
        final ModuleList<Layer> layers;
        final RmsNorm norm;
        private final LlamaConfig c;
        private final Rope rope;

        Backbone(LlamaConfig c) {
            this.c = c;
            this.rope = rope(c);
            Integer pad = c.common().padTokenId();
            this.embedTokens = add("embed_tokens", new Embedding(c.vocabSize(), c.hiddenSize(),
                    c.common().initializerRange(), pad == null ? -1 : pad));
            this.layers = add("layers", new ModuleList<>());
            for (int i = 0; i < c.numLayers(); i++) {
                layers.append(new Layer(c, i, slidingWindow(c, i)));
            }
            this.norm = add("norm", new RmsNorm(c.hiddenSize(), c.rmsNormEps()));
        }

        /** Hidden states as HF reports them: embeddings, each layer's input, then the final norm's output. */
        Tensor forward(Inputs in, Forward f) {
            Tensor ids = in.inputIds(); // [B, T]
            long past = f.pastLength();
            Tensor pos = in.givenPositions() != null ? in.givenPositions()
                    : Torch.arange(past, past + in.length()).unsqueeze(0);
            Rope.Angles angles = rope.angles(pos); // [B or 1, 1, T, D]
            Tensor full = in.attentionBias(past, true, 0); // [B, 1, T, past + T]
            int window = layers.list().stream().mapToInt(l -> l.window).max().orElse(0);
            Tensor sliding = window > 0 ? in.attentionBias(past, true, window) : null;
            Tensor x = embedTokens.forward(ids); // [B, T, C]
            x = Layers.run(layers.list(), x, f, (layer, h, fw) -> {
                fw.hidden(h);
                return layer.forward(h, layer.window > 0 ? sliding : full, angles, fw);
            });
            x = norm.forward(x);
            f.hidden(x);
            return x;
        }

        /**
         * Layer i's sliding window, 0 for full attention: config.json's layer_types when given;
         * else Mistral on every layer, Qwen2 from layer max_window_layers (default 28) on.
         */
        private static int slidingWindow(LlamaConfig c, int i) {
            if (c.slidingWindow() == null) {
                return 0;
            }
            JsonNode types = c.common().raw().path("layer_types");
            if (types.isArray() && i < types.size()) {
                return types.get(i).asText().equals("sliding_attention") ? c.slidingWindow() : 0;
            }
            boolean qwen = c.common().modelType().equals("qwen2");
            return !qwen || i >= c.common().raw().path("max_window_layers").asInt(28) ? c.slidingWindow() : 0;
        }
    }

    /** One layer: input_layernorm, self_attn.{q,k,v,o}_proj, post_attention_layernorm, mlp.{gate,up,down}_proj. */
    static final class Layer extends Module {
        final Linear q;
        final Linear k;
        final Linear v;
        final Linear o;
        final Linear gate;
        final Linear up;
        final Linear down;
        final RmsNorm ln1;
        final RmsNorm ln2;
        final int window;
        private final LlamaConfig c;
        private final Activations act;
        private final int index;

        Layer(LlamaConfig c, int index, int window) {
            this.c = c;
            this.index = index;
            this.window = window;
            this.act = Activations.parse(c.hiddenAct(), "config.json");
            double std = c.common().initializerRange();
            long d = c.hiddenSize();
            long hd = c.headDim();
            Group attn = add("self_attn", new Group());
            this.q = attn.child("q_proj", new Linear(d, c.numHeads() * hd, c.qkvBias(), std));
            this.k = attn.child("k_proj", new Linear(d, c.numKvHeads() * hd, c.qkvBias(), std));
            this.v = attn.child("v_proj", new Linear(d, c.numKvHeads() * hd, c.qkvBias(), std));
            this.o = attn.child("o_proj", new Linear(c.numHeads() * hd, d, c.outputBias(), std));
            Group mlp = add("mlp", new Group());
            this.gate = mlp.child("gate_proj", new Linear(d, c.intermediateSize(), c.mlpBias(), std));
            this.up = mlp.child("up_proj", new Linear(d, c.intermediateSize(), c.mlpBias(), std));
            this.down = mlp.child("down_proj", new Linear(c.intermediateSize(), d, c.mlpBias(), std));
            this.ln1 = add("input_layernorm", new RmsNorm(d, c.rmsNormEps()));
            this.ln2 = add("post_attention_layernorm", new RmsNorm(d, c.rmsNormEps()));
        }

        Tensor forward(Tensor x, Tensor bias, Rope.Angles angles, Forward f) { // [B, T, C]
            x = x.add(attn(ln1.forward(x), bias, angles, f));
            return x.add(mlp(ln2.forward(x)));
        }

        private Tensor attn(Tensor x, Tensor bias, Rope.Angles angles, Forward f) {
            Tensor qh = Rope.apply(Attention.splitHeads(q.forward(x), c.numHeads()), angles); // [B, H, T, D]
            Tensor kh = Rope.apply(Attention.splitHeads(k.forward(x), c.numKvHeads()), angles); // [B, Hkv, T, D]
            Tensor[] kv = f.keysValues(index, kh, Attention.splitHeads(v.forward(x), c.numKvHeads())); // [B, Hkv, S, D]
            double scale = Math.pow(c.headDim(), -0.5);
            Tensor ctx = Attention.attend(qh, kv[0], kv[1], bias, scale, c.attentionDropout(), f); // [B, H, T, D]
            return o.forward(Attention.mergeHeads(ctx)); // [B, T, C]
        }

        /** SwiGLU: down(act(gate(x)) * up(x)). */
        private Tensor mlp(Tensor x) {
            return down.forward(act.apply(gate.forward(x)).mul(up.forward(x))); // [B, T, I] -> [B, T, C]
        }
    }
}
