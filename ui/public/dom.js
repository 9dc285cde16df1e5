// Building the page's elements.

/** A new element with text and children. */
export function el(tag, text = '', ...children) {
  const node = document.createElement(tag);
  if (text) node.textContent = text;
  node.append(...children);
  return node;
}
