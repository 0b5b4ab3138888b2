package org.finetune4j.distributed;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.finetune4j.Finetune4jException;
import org.finetune4j.tensor.ProcessGroup;

/**
 * How the ranks of a run meet, as torchrun's static rendezvous: rank 0 serves a key-value store at
 * the master's HOST:PORT, every rank reaches it, claims its rank and publishes what it will run
 * (world size and a digest of the recipe); every rank compares its own with rank 0's before the Gloo
 * group forms, so a wrong world size, a rank given twice or a different recipe is one line, not a
 * hang. Then heartbeats start ({@link Health}).
 */
public final class Rendezvous {

    private Rendezvous() {}

    /** This process as rank {@code c.rank()} of {@code c.worldSize()}; {@code recipeDigest} must agree across ranks. */
    public static World join(DistributedConfig c, String recipeDigest) {
        String me = "rank " + c.rank() + ": ";
        ProcessGroup store = ProcessGroup.connect(c.masterHost(), c.masterPort(), c.rank(), c.worldSize(), c.timeout());
        try {
            if (store.add("claim/" + c.rank(), 1) > 1) {
                throw new Finetune4jException(me + "another process already joined as rank " + c.rank() + " at " + store.where()
                        + " (give each process its own distributed.rank)");
            }
            String mine = c.worldSize() + " " + recipeDigest;
            store.set("meta/" + c.rank(), mine);
            String main = store.get("meta/0");
            check(me, mine, main, 0);
            if (c.rank() == 0) {
                for (int r = 1; r < c.worldSize(); r++) {
                    check(me, mine, store.get("meta/" + r), r);
                }
            }
            ProcessGroup group = store.join(bindAddress(c.masterHost(), c.masterPort()));
            return new World(group, new Health(group));
        } catch (RuntimeException e) {
            store.close();
            if (e instanceof Finetune4jException) {
                throw e;
            }
            throw new Finetune4jException(me + "the other ranks did not arrive at " + store.where() + " within "
                    + c.timeout().toSeconds() + " s (" + ProcessGroup.firstLine(e) + ")");
        }
    }

    private static void check(String me, String mine, String theirs, int rank) {
        String[] a = mine.split(" ");
        String[] b = theirs.split(" ");
        if (!a[0].equals(b[0])) {
            throw new Finetune4jException(me + "distributed.world_size is " + a[0] + " here but " + b[0] + " at rank " + rank
                    + " (every rank must be given the same world size)");
        }
        if (!a[1].equals(b[1])) {
            throw new Finetune4jException(me + "the recipe differs from rank " + rank + "'s (after overrides, "
                    + "distributed.* aside): every rank must train the same recipe");
        }
    }

    /**
     * The address of this machine the others reach it at: the local end of a route to the master
     * (no packet is sent), so 127.0.0.1 when the master is local.
     */
    static String bindAddress(String masterHost, int masterPort) {
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName(masterHost), masterPort));
            InetAddress local = s.getLocalAddress();
            return local.isAnyLocalAddress() ? InetAddress.getLoopbackAddress().getHostAddress() : local.getHostAddress();
        } catch (IOException e) {
            throw new Finetune4jException("distributed.master " + masterHost + ": no route from this machine (" + e.getMessage() + ")");
        }
    }
}
