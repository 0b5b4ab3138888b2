package org.finetune4j.nn;

import java.util.ArrayList;
import java.util.List;
import org.finetune4j.tensor.F;
import org.finetune4j.tensor.Scope;
import org.finetune4j.tensor.Tensor;

/**
 * One forward pass's mode and captures: train or eval (dropout), and whether every layer hands
 * back its attention probabilities [B, heads, q, k] and hidden states [B, T, C]; and what the
 * caller will read of the output ({@link #lossOnly}, {@link #labelledOnly}), so a head computes no more.
 * The names follow PyTorch: {@link #train()} and {@link #eval()} make a pass in that mode, the field
 * {@link #training} is the mode (nn.Module's), and {@link #currentTrains()} asks it of the thread's current pass.
 */
public final class Forward {

    public final boolean training;
    public final boolean keepAttentions;
    public final boolean keepHiddenStates;
    /** Gradient checkpointing: layer stacks run as recomputed segments ({@link Layers}); call {@link #backward}. */
    public final boolean checkpointing;
    public final List<Tensor> attentions = new ArrayList<>();
    public final List<Tensor> hiddenStates = new ArrayList<>();
    /** Past keys and values for incremental decoding, or null (training and plain forwards). */
    public final KvCache cache;
    /**
     * The caller reads only the loss: a head may then compute it without materialising all its
     * logits (a frozen causal LM head works in row chunks) and return null logits. Implies {@link #labelledOnly}.
     */
    public final boolean lossOnly;
    /**
     * The caller reads the loss and the logits at the labelled positions only (label not -100): a masked-LM or
     * pretraining head given labels may then decode only those N positions and return logits [N, V], the
     * positions in row-major order, instead of [B, T, V]; the loss is the same. Heads that cannot ignore it.
     */
    public final boolean labelledOnly;
    final List<Layers.Stack> stacks = new ArrayList<>();

    public Forward(boolean training, boolean keepAttentions, boolean keepHiddenStates) {
        this(training, keepAttentions, keepHiddenStates, false, null, false, false);
    }

    private Forward(boolean training, boolean keepAttentions, boolean keepHiddenStates, boolean checkpointing, KvCache cache,
            boolean lossOnly, boolean labelledOnly) {
        this.training = training;
        this.keepAttentions = keepAttentions;
        this.keepHiddenStates = keepHiddenStates;
        this.checkpointing = checkpointing;
        this.cache = cache;
        this.lossOnly = lossOnly;
        this.labelledOnly = labelledOnly;
    }

    /** An eval forward that reads and extends {@code cache}. */
    public static Forward cached(KvCache cache) {
        return new Forward(false, false, false, false, cache, false, false);
    }

    /** Positions the cache already holds (0 without a cache). */
    public long pastLength() {
        return cache == null ? 0 : cache.length();
    }

    /** Layer {@code layer}'s keys and values to attend over: {k, v} as given, or with the cache's past before them. */
    public Tensor[] keysValues(int layer, Tensor k, Tensor v) {
        return cache == null ? new Tensor[] {k, v} : cache.append(layer, k, v);
    }

    /** The same mode with gradient checkpointing on (it takes effect in training with autograd on). */
    public Forward checkpointed() {
        return new Forward(training, keepAttentions, keepHiddenStates, true, cache, lossOnly, labelledOnly);
    }

    /** The same mode for a caller that reads only the loss (see {@link #lossOnly}). */
    public Forward lossOnly() {
        return new Forward(training, keepAttentions, keepHiddenStates, checkpointing, cache, true, true);
    }

    /** The same mode for a caller that reads the loss and the logits at labelled positions (see {@link #labelledOnly}). */
    public Forward labelledOnly() {
        return new Forward(training, keepAttentions, keepHiddenStates, checkpointing, cache, lossOnly, true);
    }

    /**
     * Back-propagates {@code loss} (a scalar) through this pass: the graph above the layer stacks,
     * then, with checkpointing, each stack's layers recomputed from last to first. Parameter
     * gradients accumulate as in one backward pass.
     */
    public void backward(Tensor loss) {
        Layers.backward(this, loss);
    }

    private static final ThreadLocal<Forward> CURRENT = new ThreadLocal<>();

    /**
     * The pass this thread is running, or null outside one. Set by {@link #enter} (TransformerModel.forward
     * does it), so a layer deep in the tree whose forward takes no Forward (a LoRA branch's dropout on an
     * {@code nn.Linear}) still knows whether it trains.
     */
    public static Forward current() {
        return CURRENT.get();
    }

    /** Whether the pass this thread is running trains (false outside a pass). */
    public static boolean currentTrains() {
        Forward f = CURRENT.get();
        return f != null && f.training;
    }

    /** Makes this the thread's current pass until the returned scope closes (which restores the previous one). */
    public Scope enter() {
        Forward previous = CURRENT.get();
        CURRENT.set(this);
        return () -> {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        };
    }

    /** The scope of {@link #enter}; closing it cannot fail. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** A training pass (dropout on), capturing nothing. */
    public static Forward train() {
        return new Forward(true, false, false);
    }

    /** An evaluation pass (dropout off), capturing nothing. */
    public static Forward eval() {
        return new Forward(false, false, false);
    }

    /** Records a hidden state when asked to. */
    public void hidden(Tensor h) {
        if (keepHiddenStates) {
            hiddenStates.add(h);
        }
    }

    /** Records attention probabilities when asked to. */
    public void attention(Tensor probs) {
        if (keepAttentions) {
            attentions.add(probs);
        }
    }

    /** Dropout in train mode only. */
    public Tensor dropout(Tensor x, double p) {
        return F.dropout(x, p, training);
    }
}
