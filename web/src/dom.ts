/** A small element builder: the dashboard renders with the DOM API and never parses HTML strings. */

type Attributes = Record<string, string | number | boolean | undefined>;
export type Child = Node | string | null | undefined | false;

/** Creates an element; `on*` handlers are passed separately, boolean attributes are set when true. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  children: Child[] = [],
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) {
      continue;
    }
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    parent.append(child);
  }
}

/** Replaces the children of an element. */
export function replaceChildren(parent: Element, children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}
