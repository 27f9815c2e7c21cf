// Click-to-play embeds (sitegen's @[youtube](…) syntax): the page shows a link styled as a player,
// and only when the reader clicks it is the video site's iframe loaded in its place.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-embed-src]");
  if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  const frame = document.createElement("iframe");
  frame.src = link.dataset.embedSrc;
  frame.title = link.dataset.embedTitle;
  frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
  frame.allowFullscreen = true;
  frame.referrerPolicy = "strict-origin-when-cross-origin";
  if (link.dataset.embedSandbox) frame.setAttribute("sandbox", link.dataset.embedSandbox);
  link.replaceWith(frame);
  frame.focus();
});
