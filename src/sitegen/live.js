// sitegen serve: reload when a rebuild finishes, swap CSS in place, show build errors over the page.
(() => {
  const me = document.currentScript;
  const epoch = me.dataset.epoch;
  let overlay = null;

  function showErrors(errors) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "sitegen-error-overlay";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem;" +
        "background:rgba(20,20,24,.94);color:#fff;font:15px/1.5 ui-monospace,Menlo,Consolas,monospace";
      document.body.appendChild(overlay);
    }
    overlay.replaceChildren();
    const title = document.createElement("h2");
    title.textContent = "sitegen: the build failed — showing the last good version underneath";
    title.style.cssText = "margin:0 0 1rem;font-size:1.1rem;color:#ff8a80";
    overlay.appendChild(title);
    for (const e of errors) {
      const block = document.createElement("pre");
      block.style.cssText = "white-space:pre-wrap;margin:0 0 1rem";
      block.textContent = `${e.path}${e.line ? ":" + e.line : ""}: error: ${e.message}` + (e.hint ? `\n  hint: ${e.hint}` : "");
      overlay.appendChild(block);
    }
  }

  function swapStyles() {
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      const url = new URL(link.href);
      url.searchParams.set("sitegen", Date.now());
      link.href = url.href;
    }
  }

  const styles = (doc) => [...doc.querySelectorAll('link[rel="stylesheet"]')]
    .map((link) => { const url = new URL(link.href, location.href); url.search = ""; return url.href; }).join(" ");

  // The new version of this page, swapped in without a navigation: faster than a reload, and the
  // reader keeps their scroll position. A page whose styles changed or that runs scripts of its
  // own (search, embeds) is reloaded instead, so its scripts run again.
  async function refresh() {
    try {
      const response = await fetch(location.href, { cache: "no-store" });
      const next = new DOMParser().parseFromString(await response.text(), "text/html");
      const scripts = next.querySelectorAll("script[src]:not([data-epoch]), body script:not([data-epoch])");
      if (!response.ok || response.redirected || scripts.length || styles(next) !== styles(document)) {
        location.reload();
        return;
      }
      document.title = next.title;
      overlay = null;
      document.body.replaceWith(document.adoptNode(next.body));
    } catch {
      location.reload();
    }
  }

  const source = new EventSource(`${me.dataset.events}?epoch=${epoch}`);
  source.addEventListener("reload", refresh);
  source.addEventListener("css", () => { if (overlay) location.reload(); else swapStyles(); });
  source.addEventListener("moved", (event) => {
    const moved = JSON.parse(event.data);
    const target = moved[location.pathname];
    if (target) location.replace(target + location.hash); else location.reload();
  });
  source.addEventListener("builderror", (event) => showErrors(JSON.parse(event.data)));
})();
