/** Editor UI state that is not the graph: the side tab, an unresolved save conflict, busy flags. */
import { create } from 'zustand';

export type SideTab = 'properties' | 'issues' | 'asl' | 'run' | 'logs' | 'history' | 'versions';

export interface UiState {
  tab: SideTab;
  /** A save refused with 409: someone saved a newer revision. */
  conflict?: { message: string; theirRevision?: number };
  busy?: 'saving' | 'publishing' | 'starting';
  /** Bumped when versions or runs change, so their lists refresh. */
  listsVersion: number;
  setTab(tab: SideTab): void;
  set(patch: Partial<Omit<UiState, 'setTab' | 'set'>>): void;
}

export const useUiStore = create<UiState>()((set) => ({
  tab: 'properties',
  listsVersion: 0,
  setTab: (tab) => set({ tab }),
  set: (patch) => set(patch),
}));
