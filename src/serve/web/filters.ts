import { getJson } from "./api.ts";
import { clearErrors, reportError } from "./banner.ts";
import { nextGeneration } from "./cards.ts";

/** What /api/filters answers: the choices of the filter bar. */
export interface FilterChoices {
  readonly engine: string;
  readonly dataRange: { readonly first: string | null; readonly last: string | null };
  readonly countries: readonly { code: string; name: string; regions: readonly string[] }[];
  readonly services: readonly { code: string; name: string }[];
  readonly channels: readonly { code: string; name: string }[];
  readonly clientTypes: readonly string[];
  readonly segments: { readonly asOfDate: string | null; readonly names: readonly string[] };
  readonly models: {
    readonly fraud: { version: number } | null;
    readonly segments: { version: number } | null;
  };
}

/** The shared filters, the ones links between pages carry. */
export const FILTER_NAMES = [
  "from",
  "to",
  "country",
  "region",
  "service",
  "channel",
  "clientType",
  "segment",
];

/** Parameters of the page itself (e.g. the client of the drill-down), never sent as filters nor carried over. */
const PAGE_PARAMS = ["client"];

export interface PageContext {
  readonly choices: FilterChoices;
  /** The query of the dashboard endpoints: the URL's parameters minus the page's own. */
  readonly params: URLSearchParams;
}

/** Shows the dates the API resolved (defaults included) in the date inputs, without touching the URL. */
export function showResolvedDates(filters: { from?: string; to?: string }): void {
  for (const name of ["from", "to"] as const) {
    const input = document.querySelector<HTMLInputElement>(`#filters [name="${name}"]`);
    const value = filters[name];
    if (input && value && !new URLSearchParams(location.search).has(name)) input.value = value;
  }
}

export function apiParams(): URLSearchParams {
  const params = new URLSearchParams(location.search);
  for (const name of PAGE_PARAMS) params.delete(name);
  return params;
}

/** Replaces one page parameter (e.g. `client`) in the URL, keeping the filters. */
export function setPageParam(name: string, value: string | null): void {
  const params = new URLSearchParams(location.search);
  if (value === null) params.delete(name);
  else params.set(name, value);
  const query = params.toString();
  history.pushState(null, "", query ? `?${query}` : location.pathname);
}

function option(value: string, label: string): HTMLOptionElement {
  const element = document.createElement("option");
  element.value = value;
  element.textContent = label;
  return element;
}

function field(label: string, control: HTMLElement): HTMLLabelElement {
  const wrapper = document.createElement("label");
  const caption = document.createElement("span");
  caption.textContent = label;
  wrapper.append(caption, control);
  return wrapper;
}

function select(
  name: string,
  all: string,
  items: readonly { value: string; label: string }[],
): HTMLSelectElement {
  const element = document.createElement("select");
  element.name = name;
  element.append(option("", all), ...items.map((i) => option(i.value, i.label)));
  return element;
}

function dateInput(name: string, range: FilterChoices["dataRange"]): HTMLInputElement {
  const input = document.createElement("input");
  input.type = "date";
  input.name = name;
  if (range.first) input.min = range.first;
  if (range.last) input.max = range.last;
  return input;
}

function buildForm(form: HTMLFormElement, choices: FilterChoices): void {
  const segments = select(
    "segment",
    choices.segments.names.length ? "All segments" : "No segments yet",
    choices.segments.names.map((n) => ({ value: n, label: n })),
  );
  if (!choices.segments.names.length) {
    segments.disabled = true;
    segments.title = "No segmentation yet — run `momo segment`";
  }
  const reset = document.createElement("button");
  reset.type = "button";
  reset.textContent = "Reset";
  reset.addEventListener("click", () => navigate(new URLSearchParams()));
  form.replaceChildren(
    field("From", dateInput("from", choices.dataRange)),
    field("To", dateInput("to", choices.dataRange)),
    field(
      "Country",
      select(
        "country",
        "All countries",
        choices.countries.map((c) => ({ value: c.code, label: c.name })),
      ),
    ),
    field("Region", select("region", "All regions", [])),
    field(
      "Service",
      select(
        "service",
        "All services",
        choices.services.map((s) => ({ value: s.code, label: s.name })),
      ),
    ),
    field(
      "Channel",
      select(
        "channel",
        "All channels",
        choices.channels.map((c) => ({ value: c.code, label: c.name })),
      ),
    ),
    field(
      "Client type",
      select(
        "clientType",
        "All client types",
        choices.clientTypes.map((t) => ({ value: t, label: t })),
      ),
    ),
    field("Segment", segments),
    reset,
  );
}

/** The region list follows the chosen country. */
function fillRegions(form: HTMLFormElement, choices: FilterChoices, country: string): void {
  const regions = form.elements.namedItem("region") as HTMLSelectElement;
  const list = choices.countries.find((c) => c.code === country)?.regions ?? [];
  regions.replaceChildren(
    option("", country ? "All regions" : "Choose a country first"),
    ...list.map((r) => option(r, r)),
  );
  regions.disabled = !country;
}

/** Puts the URL's values in the controls; a value the list lacks is added, marked unknown, so the user sees it. */
function readUrl(form: HTMLFormElement, choices: FilterChoices): void {
  const params = new URLSearchParams(location.search);
  fillRegions(form, choices, params.get("country") ?? "");
  for (const name of FILTER_NAMES) {
    const control = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
    if (!control) continue;
    const value = params.get(name) ?? "";
    if (
      control instanceof HTMLSelectElement &&
      value &&
      ![...control.options].some((o) => o.value === value)
    ) {
      control.append(option(value, `${value} (unknown)`));
    }
    control.value = value;
  }
}

function formParams(form: HTMLFormElement): URLSearchParams {
  const params = new URLSearchParams();
  for (const name of FILTER_NAMES) {
    const control = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
    if (control?.value) params.set(name, control.value);
  }
  return params;
}

/** Links to the other dashboards carry the current filters. */
function updateLinks(): void {
  const filters = new URLSearchParams();
  for (const [name, value] of new URLSearchParams(location.search)) {
    if (FILTER_NAMES.includes(name)) filters.set(name, value);
  }
  const query = filters.toString();
  for (const link of document.querySelectorAll<HTMLAnchorElement>("a[data-nav]")) {
    const path = new URL(link.href).pathname;
    link.href = query ? `${path}?${query}` : path;
  }
}

let rerender: () => void = () => {};

function navigate(params: URLSearchParams): void {
  const query = params.toString();
  history.pushState(null, "", query ? `?${query}` : location.pathname);
  rerender();
}

/**
 * Builds the filter bar from /api/filters and calls `render` now and whenever the filters or the page's own
 * parameters change (controls, back and forward).
 */
export async function setupPage(render: (page: PageContext) => Promise<void>): Promise<void> {
  const form = document.getElementById("filters") as HTMLFormElement;
  let choices: FilterChoices;
  try {
    choices = await getJson<FilterChoices>("/api/filters", new URLSearchParams());
  } catch (error) {
    form.dataset.state = "error";
    reportError(error as never);
    for (const card of document.querySelectorAll<HTMLElement>("[data-card]")) {
      card.dataset.state = "error";
      const status = card.querySelector(".state");
      if (status) status.textContent = "The filters could not be loaded.";
    }
    return;
  }
  const engine = document.getElementById("engine");
  if (engine) engine.textContent = choices.engine === "postgres" ? "PostgreSQL" : "DuckDB";
  buildForm(form, choices);
  form.dataset.state = "ready";
  form.addEventListener("change", (event) => {
    const params = formParams(form);
    if ((event.target as HTMLElement).getAttribute("name") === "country") params.delete("region");
    const client = new URLSearchParams(location.search).get("client");
    if (client) params.set("client", client);
    navigate(params);
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  rerender = () => {
    readUrl(form, choices);
    updateLinks();
    clearErrors();
    nextGeneration();
    void render({ choices, params: apiParams() });
  };
  window.addEventListener("popstate", () => rerender());
  rerender();
}

/** Re-renders the page after a page parameter changed through `setPageParam`. */
export function refresh(): void {
  rerender();
}
