import { createTransport, type TransportOptions } from './core/http.js';
import { EntityFilesResource } from './resources/entity-files.js';
import { FieldValueChangesResource } from './resources/field-value-changes.js';
import { FieldValuesResource } from './resources/field-values.js';
import { FieldsResource } from './resources/fields.js';
import { InteractionsResource } from './resources/interactions.js';
import { ListEntriesResource } from './resources/list-entries.js';
import { ListsResource } from './resources/lists.js';
import { NotesResource } from './resources/notes.js';
import { OpportunitiesResource } from './resources/opportunities.js';
import { OrganizationsResource } from './resources/organizations.js';
import { PersonsResource } from './resources/persons.js';
import { RateLimitResource } from './resources/rate-limit.js';
import { RelationshipStrengthsResource } from './resources/relationship-strengths.js';
import { RemindersResource } from './resources/reminders.js';
import { WebhooksResource } from './resources/webhooks.js';
import { WhoamiResource } from './resources/whoami.js';
import type { Transport } from './transport.js';

/**
 * How to build an {@link AffinityClient}: the transport options (the client creates the
 * transport), or a ready transport — e.g. one shared with other code, or one whose `stats()` a
 * caller reads. `fetch` is used to follow file-download redirects (default: the transport's
 * `fetch` option, else the global one).
 */
export type AffinityClientOptions = TransportOptions | { transport: Transport; fetch?: typeof fetch };

/** The typed Affinity v1 client: one property per resource, one method per endpoint. */
export class AffinityClient {
  readonly transport: Transport;
  readonly lists: ListsResource;
  readonly listEntries: ListEntriesResource;
  readonly fields: FieldsResource;
  readonly fieldValues: FieldValuesResource;
  readonly fieldValueChanges: FieldValueChangesResource;
  readonly persons: PersonsResource;
  readonly organizations: OrganizationsResource;
  readonly opportunities: OpportunitiesResource;
  readonly interactions: InteractionsResource;
  readonly relationshipStrengths: RelationshipStrengthsResource;
  readonly notes: NotesResource;
  readonly entityFiles: EntityFilesResource;
  readonly reminders: RemindersResource;
  readonly webhooks: WebhooksResource;
  readonly whoami: WhoamiResource;
  readonly rateLimit: RateLimitResource;

  constructor(options: AffinityClientOptions) {
    const transport = 'transport' in options ? options.transport : createTransport(options);
    const fetchImpl = options.fetch ?? globalThis.fetch;
    this.transport = transport;
    this.lists = new ListsResource(transport);
    this.listEntries = new ListEntriesResource(transport);
    this.fields = new FieldsResource(transport);
    this.fieldValues = new FieldValuesResource(transport);
    this.fieldValueChanges = new FieldValueChangesResource(transport);
    this.persons = new PersonsResource(transport);
    this.organizations = new OrganizationsResource(transport);
    this.opportunities = new OpportunitiesResource(transport);
    this.interactions = new InteractionsResource(transport);
    this.relationshipStrengths = new RelationshipStrengthsResource(transport);
    this.notes = new NotesResource(transport);
    this.entityFiles = new EntityFilesResource(transport, fetchImpl);
    this.reminders = new RemindersResource(transport);
    this.webhooks = new WebhooksResource(transport);
    this.whoami = new WhoamiResource(transport);
    this.rateLimit = new RateLimitResource(transport);
  }
}
