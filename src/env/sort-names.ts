/**
 * `names.sort()` for the short lists a simulation sorts all the time (a directory's few entries,
 * an event's data keys), in place and in the same order: by UTF-16 code unit, as the built-in sort
 * compares strings. The built-in sort allocates a scratch state of some 1.7 KB per call whatever the
 * length; an idle bucket worker lists and sorts its directory every few seconds, and those scratch
 * states were a sixth of what a simulated day allocated. Long lists still go to the built-in sort.
 */
const INSERTION_SORT_LIMIT = 32;

export function sortNames(names: string[]): string[] {
  if (names.length > INSERTION_SORT_LIMIT) return names.sort();
  for (let index = 1; index < names.length; index++) {
    const name = names[index] as string;
    let slot = index - 1;
    while (slot >= 0 && (names[slot] as string) > name) {
      names[slot + 1] = names[slot] as string;
      slot -= 1;
    }
    names[slot + 1] = name;
  }
  return names;
}
