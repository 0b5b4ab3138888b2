package org.finetune4j.tensor;

import java.util.Arrays;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.TensorVector;

/**
 * A libtorch tensor whose methods read like PyTorch's ({@code x.matmul(w.t())}, {@code x.softmax(-1)},
 * {@code x.view(b, t, h, d).transpose(1, 2)}); the functions of {@code torch.nn.functional} are in
 * {@link F}, factories in {@link Torch}. Methods ending in {@code _} work in place and return this.
 * Numbers given to an op ({@code x.mul(0.125)}) are copied by libtorch, so autograd may keep them.
 * Where the handle lives and when it is freed: see {@link Scope}.
 */
public final class Tensor implements AutoCloseable {

    static {
        Native.init();
    }

    final org.bytedeco.pytorch.Tensor t;
    PointerScope owner;

    Tensor(org.bytedeco.pytorch.Tensor t) {
        this.t = t;
        this.owner = PointerScope.getInnerScope();
    }

    // ---------------------------------------------------------------- what it is

    /** The sizes of every dimension. */
    public long[] shape() {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.size(i);
        }
        return s;
    }

    /** The size of dimension {@code d} (negative counts from the end). */
    public long size(int d) {
        return t.size(d);
    }

    public int dim() {
        return (int) t.dim();
    }

    public long numel() {
        return t.numel();
    }

    public DType dtype() {
        return Native.dtype(t.scalar_type().intern());
    }

    public Device device() {
        return Device.of(t.device());
    }

    // ---------------------------------------------------------------- autograd

    public boolean requiresGrad() {
        return t.requires_grad();
    }

    /** Makes this leaf record (or stop recording) the operations on it; returns this. */
    public Tensor requiresGrad_(boolean on) {
        t.requires_grad_(on);
        return this;
    }

    public boolean isLeaf() {
        return t.is_leaf();
    }

    /** The accumulated gradient of this leaf (a new handle in the current scope), or null when there is none. */
    public Tensor grad() {
        org.bytedeco.pytorch.Tensor g = t.grad(); // a reference into the autograd metadata: copied into a handle of our own
        return g.defined() ? owned(g) : null;
    }

    /**
     * Makes {@code g} (this leaf's shape and dtype) its gradient, as {@code p.grad = g}: the same
     * storage, not a copy (a view into a flat buffer of gradients stays one).
     */
    public void setGrad(Tensor g) {
        t.mutable_grad().put(g.t);
    }

    /** Drops the gradient, as {@code zero_grad(set_to_none=True)}: the next backward hands its buffer over. */
    public void dropGrad() {
        if (t.grad().defined()) {
            t.mutable_grad().reset();
        }
    }

    /** Whether this is a sparse (COO) tensor, as a lookup table's sparse gradient is. */
    public boolean isSparse() {
        return t.is_sparse();
    }

    /** Whether {@code o} is a handle on the same tensor (not a view, not a copy), as {@code a is b} of two Python handles. */
    public boolean isSame(Tensor o) {
        return t.is_same(o.t);
    }

    /** The count of in-place writes to this tensor's data, as {@code t._version}: an unchanged count means unchanged data. */
    public long version() {
        return t._version();
    }

    // ---------------------------------------------------------------- sparse rows

    /**
     * This sparse tensor of one sparse dimension as its distinct rows, ascending, and their values: duplicates
     * summed, as {@code coalesce()}; returns {rows [U], values [U, ..]}.
     */
    public Tensor[] coalescedRows() {
        org.bytedeco.pytorch.Tensor c = t.coalesce();
        return new Tensor[] {new Tensor(c._indices().select(0, 0)), new Tensor(c._values())};
    }

    /** Back-propagates from this scalar. */
    public void backward() {
        t.backward();
    }

    /** Back-propagates {@code grad} (this tensor's shape) from this tensor. */
    public void backward(Tensor grad) {
        // torch::autograd::backward: the method's overload with an empty TensorArrayRefOptional crashes in the binding
        org.bytedeco.pytorch.global.torch.backward(new TensorVector(t), new TensorVector(grad.t),
                new org.bytedeco.pytorch.BoolOptional(), false, new TensorVector());
    }

    /** The same data outside the graph. */
    public Tensor detach() {
        return new Tensor(t.detach());
    }

    // ---------------------------------------------------------------- memory

    /**
     * Takes this tensor out of every scope: it lives until {@link #close} or until it is unreachable
     * (parameters, optimizer state, caches); returns this.
     */
    public Tensor persist() {
        if (owner != null) {
            t.retainReference();
            owner.detach(t);
            owner = null;
        }
        return this;
    }

    /** Frees the handle now (the data goes when nothing else, autograd included, refers to it). */
    @Override
    public void close() {
        if (t.isNull()) {
            return;
        }
        if (owner != null) {
            owner.detach(t);
            owner = null;
        } else {
            t.deallocate();
        }
    }

    public Tensor clone() {
        return new Tensor(t.clone());
    }

    public Tensor contiguous() {
        return new Tensor(t.contiguous());
    }

    public Tensor to(DType type) {
        return type == dtype() ? this : new Tensor(t.to(Native.scalarType(type)));
    }

    public Tensor to(Device d) {
        return d.equals(device()) ? this : new Tensor(t.to(d.toNative(), t.scalar_type()));
    }

    // ---------------------------------------------------------------- views

    public Tensor view(long... shape) {
        return new Tensor(t.view(shape));
    }

    public Tensor reshape(long... shape) {
        return new Tensor(t.reshape(shape));
    }

    public Tensor flatten() {
        return reshape(-1);
    }

    public Tensor transpose(int a, int b) {
        return new Tensor(t.transpose(a, b));
    }

    /** The transpose of a matrix. */
    public Tensor t() {
        return new Tensor(t.t());
    }

    public Tensor permute(long... dims) {
        return new Tensor(t.permute(dims));
    }

    public Tensor unsqueeze(int d) {
        return new Tensor(t.unsqueeze(d));
    }

    public Tensor squeeze(int d) {
        return new Tensor(t.squeeze((long) d));
    }

    /** Broadcasts size-1 dimensions to {@code shape} (-1 keeps a size), without copying. */
    public Tensor expand(long... shape) {
        return new Tensor(t.expand(shape));
    }

    /** {@code x[.., start:start+length, ..]} along {@code d}. */
    public Tensor narrow(int d, long start, long length) {
        return new Tensor(t.narrow(d, start, length));
    }

    /** {@code x[.., start:end, ..]} along {@code d}, Python's rules (negative counts from the end, end clamped). */
    public Tensor slice(int d, long start, long end) {
        return new Tensor(t.slice(d, new LongOptional(start), new LongOptional(end), 1));
    }

    /** {@code x[.., i, ..]}: dimension {@code d} removed (negative {@code i} counts from the end). */
    public Tensor select(int d, long i) {
        return new Tensor(t.select(d, i));
    }

    /** Pieces of {@code size} along {@code d} (the last may be smaller). */
    public Tensor[] split(long size, int d) {
        return array(t.split(size, d));
    }

    /** {@code n} pieces of equal size along {@code d}. */
    public Tensor[] chunk(int n, int d) {
        return array(t.chunk(n, d));
    }

    // ---------------------------------------------------------------- element-wise

    public Tensor add(Tensor o) {
        return new Tensor(t.add(o.t));
    }

    public Tensor add(double v) {
        return new Tensor(t.add(Native.scalar(v)));
    }

    /** x + v, keeping an integer tensor's dtype (a double would promote it to float, as in PyTorch). */
    public Tensor add(long v) {
        return new Tensor(t.add(Native.scalar(v)));
    }

    public Tensor sub(Tensor o) {
        return new Tensor(t.sub(o.t));
    }

    public Tensor sub(double v) {
        return new Tensor(t.sub(Native.scalar(v)));
    }

    /** x - v, keeping an integer tensor's dtype. */
    public Tensor sub(long v) {
        return new Tensor(t.sub(Native.scalar(v)));
    }

    public Tensor mul(Tensor o) {
        return new Tensor(t.mul(o.t));
    }

    public Tensor mul(double v) {
        return new Tensor(t.mul(Native.scalar(v)));
    }

    /** x * v, keeping an integer tensor's dtype. */
    public Tensor mul(long v) {
        return new Tensor(t.mul(Native.scalar(v)));
    }

    public Tensor div(Tensor o) {
        return new Tensor(t.div(o.t));
    }

    public Tensor div(double v) {
        return new Tensor(t.div(Native.scalar(v)));
    }

    public Tensor neg() {
        return new Tensor(t.neg());
    }

    public Tensor exp() {
        return new Tensor(t.exp());
    }

    public Tensor log() {
        return new Tensor(t.log());
    }

    public Tensor sqrt() {
        return new Tensor(t.sqrt());
    }

    public Tensor rsqrt() {
        return new Tensor(t.rsqrt());
    }

    public Tensor square() {
        return new Tensor(t.square());
    }

    public Tensor abs() {
        return new Tensor(t.abs());
    }

    public Tensor tanh() {
        return new Tensor(t.tanh());
    }

    public Tensor sigmoid() {
        return new Tensor(t.sigmoid());
    }

    public Tensor cos() {
        return new Tensor(t.cos());
    }

    public Tensor sin() {
        return new Tensor(t.sin());
    }

    public Tensor pow(double e) {
        return new Tensor(t.pow(Native.scalar(e)));
    }

    public Tensor round() {
        return new Tensor(t.round());
    }

    public Tensor clamp(double min, double max) {
        return new Tensor(t.clamp(new ScalarOptional(Native.scalar(min)), new ScalarOptional(Native.scalar(max))));
    }

    /** clamp to [min, max], keeping an integer tensor's dtype. */
    public Tensor clamp(long min, long max) {
        return new Tensor(t.clamp(new ScalarOptional(Native.scalar(min)), new ScalarOptional(Native.scalar(max))));
    }

    /** max(x, min) element-wise. */
    public Tensor clampMin(double min) {
        return new Tensor(t.clamp_min(Native.scalar(min)));
    }

    public Tensor maximum(Tensor o) {
        return new Tensor(t.maximum(o.t));
    }

    public Tensor matmul(Tensor o) {
        return new Tensor(t.matmul(o.t));
    }

    public Tensor softmax(int d) {
        return new Tensor(t.softmax(d));
    }

    public Tensor logSoftmax(int d) {
        return new Tensor(t.log_softmax(d));
    }

    public Tensor cumsum(int d) {
        return new Tensor(t.cumsum(d));
    }

    /** Where {@code mask} holds, {@code v}; elsewhere this tensor's values. */
    public Tensor maskedFill(Tensor mask, double v) {
        return new Tensor(t.masked_fill(mask.t, Native.scalar(v)));
    }

    // ---------------------------------------------------------------- comparisons (bool results)

    public Tensor eq(double v) {
        return new Tensor(t.eq(Native.scalar(v)));
    }

    public Tensor ne(double v) {
        return new Tensor(t.ne(Native.scalar(v)));
    }

    public Tensor lt(double v) {
        return new Tensor(t.lt(Native.scalar(v)));
    }

    public Tensor ge(double v) {
        return new Tensor(t.ge(Native.scalar(v)));
    }

    public Tensor gt(double v) {
        return new Tensor(t.gt(Native.scalar(v)));
    }

    public Tensor eq(Tensor o) {
        return new Tensor(t.eq(o.t));
    }

    public Tensor le(Tensor o) {
        return new Tensor(t.le(o.t));
    }

    public Tensor gt(Tensor o) {
        return new Tensor(t.gt(o.t));
    }

    public Tensor logicalAnd(Tensor o) {
        return new Tensor(t.logical_and(o.t));
    }

    public Tensor logicalNot() {
        return new Tensor(t.logical_not());
    }

    // ---------------------------------------------------------------- reductions and indexing

    public Tensor sum() {
        return new Tensor(t.sum());
    }

    public Tensor sum(int d, boolean keepDim) {
        return new Tensor(t.sum(new long[] {d}, keepDim, new org.bytedeco.pytorch.ScalarTypeOptional()));
    }

    public Tensor mean() {
        return new Tensor(t.mean());
    }

    public Tensor mean(int d, boolean keepDim) {
        return new Tensor(t.mean(new long[] {d}, keepDim, new org.bytedeco.pytorch.ScalarTypeOptional()));
    }

    /** The largest element. */
    public Tensor max() {
        return new Tensor(t.max());
    }

    /** The smallest element. */
    public Tensor min() {
        return new Tensor(t.min());
    }

    /** The largest values along {@code d}. */
    public Tensor amax(int d, boolean keepDim) {
        return new Tensor(t.amax(new long[] {d}, keepDim));
    }

    /** Indices of the largest values along {@code d}. */
    public Tensor argmax(int d) {
        return new Tensor(t.argmax(new LongOptional(d), false));
    }

    /** The L2 norm of all elements. */
    public Tensor norm() {
        return new Tensor(t.norm());
    }

    /** Element-wise: neither infinite nor NaN (bool). */
    public Tensor isfinite() {
        return new Tensor(t.isfinite());
    }

    /** Whether every element is true (a bool scalar). */
    public Tensor all() {
        return new Tensor(t.all());
    }

    public Tensor gather(int d, Tensor index) {
        return new Tensor(t.gather(d, index.t));
    }

    public Tensor indexSelect(int d, Tensor index) {
        return new Tensor(t.index_select(d, index.t));
    }

    /** Indices [N, dim] of the non-zero elements. */
    public Tensor nonzero() {
        return new Tensor(t.nonzero());
    }

    // ---------------------------------------------------------------- in place

    public Tensor add_(Tensor o) {
        t.add_(o.t);
        return this;
    }

    /** this += alpha * o. */
    public Tensor add_(Tensor o, double alpha) {
        t.add_(o.t, Native.scalar(alpha));
        return this;
    }

    public Tensor add_(double v) {
        t.add_(Native.scalar(v));
        return this;
    }

    public Tensor sub_(Tensor o) {
        t.sub_(o.t);
        return this;
    }

    public Tensor mul_(double v) {
        t.mul_(Native.scalar(v));
        return this;
    }

    public Tensor mul_(Tensor o) {
        t.mul_(o.t);
        return this;
    }

    public Tensor div_(double v) {
        t.div_(Native.scalar(v));
        return this;
    }

    public Tensor sqrt_() {
        t.sqrt_();
        return this;
    }

    public Tensor copy_(Tensor src) {
        t.copy_(src.t);
        return this;
    }

    /** Sets the slices {@code index} [N] along {@code d} to {@code v}. */
    public Tensor indexFill_(int d, Tensor index, double v) {
        t.index_fill_(d, index.t, Native.scalar(v));
        return this;
    }

    /** Copies {@code src}'s slices into the slices {@code index} [N] along {@code d} (distinct indices). */
    public Tensor indexCopy_(int d, Tensor index, Tensor src) {
        t.index_copy_(d, index.t, src.t);
        return this;
    }

    public Tensor zero_() {
        t.zero_();
        return this;
    }

    public Tensor fill_(double v) {
        t.fill_(Native.scalar(v));
        return this;
    }

    /** this += value * a * b. */
    public Tensor addcmul_(Tensor a, Tensor b, double value) {
        t.addcmul_(a.t, b.t, Native.scalar(value));
        return this;
    }

    /** this += value * a / b. */
    public Tensor addcdiv_(Tensor a, Tensor b, double value) {
        t.addcdiv_(a.t, b.t, Native.scalar(value));
        return this;
    }

    /** Fills with Normal(mean, std) samples from the default generator. */
    public Tensor normal_(double mean, double std) {
        t.normal_(mean, std, new org.bytedeco.pytorch.GeneratorOptional());
        return this;
    }

    /** Fills with Uniform(from, to) samples from the default generator. */
    public Tensor uniform_(double from, double to) {
        t.uniform_(from, to, new org.bytedeco.pytorch.GeneratorOptional());
        return this;
    }

    /** this += weight * (end - this). */
    public Tensor lerp_(Tensor end, double weight) {
        t.lerp_(end.t, Native.scalar(weight));
        return this;
    }

    // ---------------------------------------------------------------- to Java

    /** The single value of a one-element tensor. */
    public double item() {
        return t.item().toDouble();
    }

    /** The single value of a one-element integer tensor. */
    public long longItem() {
        return t.item().toLong();
    }

    /** All values as float32, row-major. */
    public float[] toFloatArray() {
        return Data.floats(this);
    }

    /** All values as int64, row-major. */
    public long[] toLongArray() {
        return Data.longs(this);
    }

    @Override
    public String toString() {
        return t.isNull() ? "Tensor(freed)" : "Tensor(" + dtype() + Arrays.toString(shape()) + ")";
    }

    static Tensor[] array(TensorVector v) {
        Tensor[] out = new Tensor[(int) v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = owned(v.get(i)); // get(i) refers into the vector, which its scope frees
        }
        return out;
    }

    /** A handle of our own on the tensor a binding reference points to (the reference may not outlive its owner). */
    static Tensor owned(org.bytedeco.pytorch.Tensor ref) {
        return new Tensor(new org.bytedeco.pytorch.Tensor(ref));
    }

}
