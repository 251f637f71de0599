/** `gatehouse/memory`: an in-process store for tests and demos (nothing survives a restart). */
export { createMemoryStore } from "./memory-store.js";
