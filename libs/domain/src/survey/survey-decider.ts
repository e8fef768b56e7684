import { Decider } from '../shared/decider';
import { SurveyTaskCommand } from './survey-commands';
import { SurveyDeciderConfig, decideSurveyTask } from './survey-decide';
import { SurveyTaskEvent } from './survey-events';
import { evolveSurveyTask } from './survey-evolve';
import { SurveyTaskState, initialSurveyTaskState } from './survey-state';

export type SurveyTaskDecider = Decider<SurveyTaskCommand, SurveyTaskState, SurveyTaskEvent>;

export function createSurveyTaskDecider(config: SurveyDeciderConfig): SurveyTaskDecider {
  return {
    decide: (command, state) => decideSurveyTask(command, state, config),
    evolve: evolveSurveyTask,
    initialState: initialSurveyTaskState,
  };
}

export function foldSurveyTask(events: readonly SurveyTaskEvent[]): SurveyTaskState {
  return events.reduce(evolveSurveyTask, initialSurveyTaskState());
}
