import type { ApiError } from "./api.ts";

/** The page-wide error line under the filter bar; it shows the first error of the current filters. */
export function reportError(error: ApiError): void {
  const banner = document.getElementById("banner");
  if (!banner?.hidden) return;
  banner.textContent =
    error.status === 400 ? `Invalid filter — ${error.message}` : `Error — ${error.message}`;
  banner.hidden = false;
  if (error.parameter) {
    const control = document.querySelector<HTMLElement>(`#filters [name="${CSS.escape(error.parameter)}"]`);
    control?.setAttribute("aria-invalid", "true");
  }
}

export function clearErrors(): void {
  const banner = document.getElementById("banner");
  if (banner) {
    banner.hidden = true;
    banner.textContent = "";
  }
  for (const control of document.querySelectorAll("#filters [aria-invalid]"))
    control.removeAttribute("aria-invalid");
}
