import { ApiError } from "./api.ts";
import { reportError } from "./banner.ts";

export type CardState = "loading" | "ready" | "empty" | "error";

/** The text shown when no fraud model exists yet. */
export const NO_MODEL = "No model trained yet — run `momo ml train`.";

/** The text shown when no client segmentation exists yet. */
export const NO_SEGMENTS = "No segmentation yet — run `momo segment`.";

export function cardElement(id: string): HTMLElement {
  const card = document.querySelector<HTMLElement>(`[data-card="${id}"]`);
  if (!card) throw new Error(`no card ${id} on this page`);
  return card;
}

export function setCardState(id: string, state: CardState, message = ""): void {
  const card = cardElement(id);
  card.dataset.state = state;
  const status = card.querySelector<HTMLElement>(".state");
  if (status) status.textContent = message;
}

/** Increases at each new set of filters, so an answer to older filters never overwrites a newer one. */
let generation = 0;

export function nextGeneration(): number {
  return ++generation;
}

/**
 * Loads one card: loading state, then `draw` with the data (it returns an empty-state message, or null when it
 * drew something), or the error state with the server's message.
 */
export async function loadCard<T>(
  id: string,
  load: () => Promise<T>,
  draw: (data: T) => string | null,
): Promise<void> {
  const mine = generation;
  setCardState(id, "loading", "Loading…");
  try {
    const data = await load();
    if (mine !== generation) return;
    const empty = draw(data);
    setCardState(id, empty === null ? "ready" : "empty", empty ?? "");
  } catch (error) {
    if (mine !== generation) return;
    const message = error instanceof Error ? error.message : String(error);
    setCardState(id, "error", message);
    reportError(error instanceof ApiError ? error : new ApiError(message, 0));
  }
}
