/* sitegen search page: filters search-index.json as you type. No dependencies.
   Text from the index reaches the page through textContent only, never as HTML. */
(() => {
  const box = document.getElementById('search-results'), form = document.querySelector('.search-form');
  if (!box || !form || !window.fetch) return;
  const input = form.querySelector('input[type=search]'), count = box.querySelector('.search-count'),
    list = box.querySelector('.search-list'), data = (name) => box.getAttribute('data-' + name);
  let lang = document.documentElement.lang || undefined, index = null, timer = 0, dates, plural;
  for (;;) {  // a language tag Intl does not know falls back to the browser's
    try {
      dates = new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'UTC' });
      plural = new Intl.PluralRules(lang);
      break;
    } catch (e) { if (!lang) throw e; lang = undefined; }
  }

  // Case and accents do not matter: "noticies" finds "Notícies".
  const fold = (text) => String(text || '').normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
  const has = (text) => (word) => text.includes(word);

  // Every word must appear; more of them in the title ranks higher, then newer first.
  function find(query) {
    const words = fold(query).split(/\s+/).filter(Boolean);
    return index.filter((item) => words.every(has(item.text)))
      .map((item) => [words.filter(has(item.title)).length, item])
      .sort((a, b) => b[0] - a[0] || b[1].time - a[1].time || a[1].at - b[1].at)
      .map((pair) => pair[1].entry);
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    node.className = className;
    node.textContent = text || '';
    return node;
  }

  function item(entry) {
    const li = element('li', 'search-result'), heading = element('h2', 'search-result-title'),
      url = String(entry.url || ''), safe = /^(\/(?!\/)|https?:)/i.test(url),
      link = element(safe ? 'a' : 'span', '', entry.title), meta = element('p', 'meta'),
      ymd = /^(\d{4})-(\d\d)-(\d\d)/.exec(entry.date || '');  // the date as published, in any time zone
    if (safe) link.href = url;
    heading.append(link);
    li.append(heading);
    if (entry.section) meta.append(element('span', 'search-result-section', entry.section));
    if (ymd) {
      const time = element('time', '', dates.format(Date.UTC(+ymd[1], ymd[2] - 1, +ymd[3])));
      time.dateTime = entry.date;
      meta.append(time);
    }
    if (meta.firstChild) li.append(meta);
    if (entry.summary) li.append(element('p', 'summary', entry.summary));
    return li;
  }

  function show() {
    clearTimeout(timer);
    const query = input.value.trim(), address = new URL(location.href);
    if (query) address.searchParams.set('q', query); else address.searchParams.delete('q');
    if (address.href !== location.href) history.replaceState(history.state, '', address.href);
    if (!index) return;  // shown when the index arrives
    const found = query ? find(query) : [];
    count.textContent = !query ? '' : found.length
      ? data('results-' + (plural.select(found.length) === 'one' ? 'one' : 'other')).replace('{count}', found.length)
      : data('none').replace('{query}', () => query);
    list.replaceChildren(...found.slice(0, 50).map(item));
  }

  const links = () => [...list.querySelectorAll('a')];
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(show, 80); });
  form.addEventListener('submit', (event) => { event.preventDefault(); show(); });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' && links().length) { event.preventDefault(); links()[0].focus(); }
    if (event.key === 'Escape') { event.preventDefault(); input.value = ''; show(); }
  });
  list.addEventListener('keydown', (event) => {
    const all = links(), at = all.indexOf(document.activeElement);
    const next = { ArrowDown: all[at + 1] || all[at], ArrowUp: all[at - 1] || input, Escape: input }[event.key];
    if (at >= 0 && next) { event.preventDefault(); next.focus(); }
  });

  input.value = new URLSearchParams(location.search).get('q') || '';
  input.focus();
  fetch(data('index'))
    .then((response) => { if (!response.ok) throw new Error('HTTP ' + response.status); return response.json(); })
    .then((entries) => {
      index = entries.map((entry, at) => ({
        entry, at, title: fold(entry.title), time: Date.parse(entry.date) || -Infinity,
        text: fold([entry.title, entry.summary, entry.section, ...(entry.tags || [])].join('\n')),
      }));
      show();
    })
    .catch((error) => console.error('search: cannot load the index', error));
})();
