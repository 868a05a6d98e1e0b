// Names wherever an id is asked: every <input data-suggest> gets a <datalist> filled from
// /suggest as the user types. Each option's value is the entity's id and its label the name,
// so choosing one puts the id in the field; without this script the field takes an id as before.
"use strict";
(() => {
  const DELAY_MS = 120;
  let count = 0;
  for (const input of document.querySelectorAll("input[data-suggest]")) {
    const list = document.createElement("datalist");
    list.id = `suggest-${++count}`;
    input.after(list);
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    let timer = 0;
    let asked = "";
    input.addEventListener("input", () => {
      clearTimeout(timer);
      const q = input.value.trim();
      if (q.length < 2 || q === asked) return;
      timer = setTimeout(async () => {
        asked = q;
        const response = await fetch(`/suggest?q=${encodeURIComponent(q)}&limit=10`, {
          headers: { Accept: "application/json" },
        });
        if (!response.ok || input.value.trim() !== q) return;
        const { suggestions } = await response.json();
        list.replaceChildren(
          ...suggestions.map((s) => {
            const option = document.createElement("option");
            option.value = s.id;
            const lists = s.lists.length ? ` · ${s.lists.join(", ")}` : "";
            option.label = `${s.name}${s.alias ? ` (as ${s.alias})` : ""} · ${s.schema}${lists}`;
            return option;
          }),
        );
      }, DELAY_MS);
    });
  }
})();
