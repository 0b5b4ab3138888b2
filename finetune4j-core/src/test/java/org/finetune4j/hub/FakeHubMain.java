package org.finetune4j.hub;

import java.util.Map;

/**
 * Runs the test Hub with the fixture model as {@code acme/tiny-bert} until stdin closes, printing its
 * endpoint: for scripts/hub-interop.sh, which checks that huggingface_hub and Finetune4j read each
 * other's caches.
 */
public final class FakeHubMain {

    public static void main(String[] args) throws Exception {
        try (FakeHub hub = new FakeHub()) {
            Map<String, byte[]> files = HubClientTest.fixtureRepo();
            FakeHub.Repo repo = hub.repo("models/acme/tiny-bert");
            repo.lfs.add("model.safetensors");
            repo.commit(HubClientTest.COMMIT, files, "main");
            System.out.println(hub.endpoint());
            System.out.flush();
            while (System.in.read() >= 0) {
                // serve until stdin closes
            }
        }
    }
}
