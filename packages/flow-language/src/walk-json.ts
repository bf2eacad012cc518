/**
 * Visits every value of a JSON tree in document order (pre-order), without recursion: flow content
 * can nest thousands of levels deep within its 256,000 characters, which overflowed the stack of a
 * recursive walk (and copying the path at every level is quadratic in the depth). Each node points
 * at its parent; `path()` builds a node's path only when a caller asks for it.
 */
export function walkJson(
  root: unknown,
  rootPath: readonly (string | number)[],
  visit: (value: unknown, path: () => (string | number)[]) => void,
): void {
  interface Node {
    value: unknown;
    key: string | number | undefined;
    parent: Node | undefined;
  }
  const pathOf = (node: Node): (string | number)[] => {
    const keys: (string | number)[] = [];
    for (let at: Node | undefined = node; at?.key !== undefined; at = at.parent) keys.push(at.key);
    return [...rootPath, ...keys.reverse()];
  };
  const stack: Node[] = [{ value: root, key: undefined, parent: undefined }];
  for (let node = stack.pop(); node; node = stack.pop()) {
    const current = node;
    const { value } = current;
    visit(value, () => pathOf(current));
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], key: i, parent: current });
    } else if (typeof value === "object" && value !== null) {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, item] = entries[i] as [string, unknown];
        stack.push({ value: item, key, parent: current });
      }
    }
  }
}
