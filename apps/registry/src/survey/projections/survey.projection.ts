import { SURVEY_TASK_EVENT_TYPES, SURVEY_TASK_STREAM_PREFIX, surveyTaskIdFromStreamName } from '@registry/domain';
import { Projection, documentProjection } from '@registry/projections';
import { SurveyTaskDocument, evolveSurveyTaskDocument, surveyProgress } from './survey-task-document';

export const SURVEY_PROJECTION = 'survey_tasks';
export const SURVEY_TASKS_COLLECTION = 'tasks';
export { SURVEY_PROGRESS_COLLECTION } from './survey-task-document';

/**
 * The survey read model: one document per task (`tasks`, for lists by region, state,
 * surveyor and due date) and progress counts per region kept from them (`progress`). Fed
 * from the task streams only, so it costs nothing while persons are imported.
 */
export function surveyProjection(localProvince: string): Projection {
  return documentProjection<SurveyTaskDocument>({
    name: SURVEY_PROJECTION,
    version: 1,
    collection: SURVEY_TASKS_COLLECTION,
    eventTypes: [...SURVEY_TASK_EVENT_TYPES],
    streamPrefixes: [SURVEY_TASK_STREAM_PREFIX],
    indexes: [
      // A surveyor's list, in due-date order: the list the field app asks for most. It comes with
      // the caller's region, and SQLite's planner (no statistics) prefers a range of the region
      // index to an equality on a one-column surveyor index: every task of the township read for
      // one surveyor's page (20-60 ms at 20,000 tasks). With the region in this index it takes
      // the surveyor's equality (1-5 ms).
      {
        name: 'surveyor_region_due',
        fields: [
          ['surveyor', 1],
          ['region', 1],
          ['dueDate', 1],
        ],
      },
      // Region scopes are code prefixes: one range of this index, in due-date order within a township.
      {
        name: 'region_due',
        fields: [
          ['region', 1],
          ['dueDate', 1],
        ],
      },
      {
        name: 'state_due',
        fields: [
          ['state', 1],
          ['dueDate', 1],
        ],
      },
      { name: 'subject', fields: [['subjectKey', 1]] },
      { name: 'household', fields: [['household', 1]] },
      { name: 'batch', fields: [['batchId', 1]] },
      // Follow-ups over approved outcomes: the reminder rule for refusals scans approvedOutcome = refused.
      { name: 'approved_outcome', fields: [['approvedOutcome', 1]] },
    ],
    documentId: (event) => surveyTaskIdFromStreamName(event.stream) ?? null,
    startsDocument: (event) => event.revision === 0,
    evolve: evolveSurveyTaskDocument,
    summaries: surveyProgress(localProvince),
  });
}
