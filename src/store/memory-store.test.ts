import { MemoryStore } from "./memory-store.js";
import { runStoreContract } from "./store-contract.js";

runStoreContract("memory", async () => {
  const store = new MemoryStore();
  return {
    store,
    injectFailures: (n) => store.failWrites(n),
    cleanup: () => store.close(),
  };
});
