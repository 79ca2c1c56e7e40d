/**
 * A segment trie over route templates (`/lists/{list_id}/list-entries`): static segments win
 * over parameters, matching costs one map lookup per path segment. Modules may name the
 * parameter at the same position differently; names come from the matched route's template.
 */
import type { RouteDef } from './framework.js';

interface Node {
  children: Map<string, Node>;
  param: Node | null;
  routes: Map<string, { route: RouteDef; names: string[] }>;
}

const newNode = (): Node => ({ children: new Map(), param: null, routes: new Map() });

export interface RouteMatch {
  route: RouteDef;
  params: Record<string, string>;
}

export class Router {
  private readonly root = newNode();

  add(route: RouteDef): void {
    let node = this.root;
    const names: string[] = [];
    for (const seg of route.path.split('/').filter(Boolean)) {
      const m = /^\{(\w+)\}$/.exec(seg);
      if (m) {
        names.push(m[1] as string);
        if (!node.param) node.param = newNode();
        node = node.param;
      } else {
        let next = node.children.get(seg);
        if (!next) {
          next = newNode();
          node.children.set(seg, next);
        }
        node = next;
      }
    }
    if (node.routes.has(route.method)) throw new Error(`duplicate route ${route.method} ${route.path}`);
    node.routes.set(route.method, { route, names });
  }

  /** The route for `method path`, or null. */
  match(method: string, path: string): RouteMatch | null {
    const values: string[] = [];
    const segs = path.split('/').filter(Boolean);
    const node = this.walk(this.root, segs, 0, values, method);
    const hit = node?.routes.get(method);
    if (!hit) return null;
    const params: Record<string, string> = {};
    hit.names.forEach((name, i) => {
      const raw = values[i] as string;
      try {
        params[name] = decodeURIComponent(raw);
      } catch {
        params[name] = raw;
      }
    });
    return { route: hit.route, params };
  }

  private walk(node: Node, segs: string[], i: number, values: string[], method: string): Node | null {
    if (i === segs.length) return node.routes.has(method) ? node : null;
    const seg = segs[i] as string;
    const child = node.children.get(seg);
    if (child) {
      const found = this.walk(child, segs, i + 1, values, method);
      if (found) return found;
    }
    if (node.param) {
      values.push(seg);
      const found = this.walk(node.param, segs, i + 1, values, method);
      if (found) return found;
      values.pop();
    }
    return null;
  }
}
