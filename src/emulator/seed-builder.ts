/**
 * The contract between seed generators (`seeds/*.ts`) and the emulator's state. A seed describes a
 * workspace by calling these methods; the state decides how to store it. Every `add*` returns the
 * new object's id. Timestamps are ISO-8601 strings; when omitted the builder uses its clock.
 * Seeds are deterministic: given the same calls, the same ids come out.
 */
export type EntityType = 0 | 1 | 8; // person list / organization list / opportunity list
export type ValueType = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface LocationValue {
  street_address: string | null;
  city: string | null;
  state: string | null;
  country: string | null;
  continent: string | null;
}

/** What a field value may hold, by the field's value type (ranked dropdown: the option id). */
export type SeedValue = number | string | LocationValue;

export interface SeedBuilder {
  /** An internal person (a user of the workspace). The first one added owns the tenant. */
  addUser(u: { firstName: string; lastName: string; email: string; apiKey?: string }): number;
  addList(l: {
    name: string;
    type: EntityType;
    public: boolean;
    ownerId: number;
    creatorId?: number;
    additionalPermissions?: Array<{ internal_person_id: number; role_id: 0 | 1 | 2 }>;
  }): number;
  /** A field; `listId` absent means global. `entityType` is 0 person, 1 organization, 8 opportunity. */
  addField(f: {
    name: string;
    entityType: EntityType;
    valueType: ValueType;
    listId?: number;
    allowsMultiple?: boolean;
    trackChanges?: boolean;
    enrichmentSource?: string;
    dropdownOptions?: Array<{ text: string; color?: number }>;
  }): { id: number; optionIds: number[] };
  addOrganization(o: {
    name: string;
    domain: string | null;
    domains?: string[];
    global?: boolean;
    personIds?: number[];
    crunchbaseUuid?: string | null;
  }): number;
  addPerson(p: {
    firstName: string;
    lastName: string;
    emails: string[];
    organizationIds?: number[];
    type?: 0 | 1;
  }): number;
  /** Creates the opportunity and its (only) list entry on `listId`. */
  addOpportunity(o: {
    name: string;
    listId: number;
    personIds?: number[];
    organizationIds?: number[];
    creatorId?: number;
    createdAt?: string;
  }): { id: number; listEntryId: number };
  addListEntry(e: { listId: number; entityId: number; creatorId?: number; createdAt?: string }): number;
  /** A field value; list-specific fields need `listEntryId`. */
  addFieldValue(v: {
    fieldId: number;
    entityId: number;
    listEntryId?: number;
    value: SeedValue;
    createdAt?: string;
  }): number;
  addInteraction(i: {
    type: 0 | 1 | 2 | 3; // meeting, call, chat message, email
    subject?: string;
    date: string;
    personIds: number[];
    direction?: 0 | 1;
    loggingType?: 0 | 1;
    creatorId?: number;
  }): number;
  addNote(n: {
    content: string;
    creatorId: number;
    personIds?: number[];
    organizationIds?: number[];
    opportunityIds?: number[];
    type?: 0 | 2; // plain text or HTML
    createdAt?: string;
  }): number;
  addReminder(r: {
    content: string;
    ownerId: number;
    creatorId: number;
    type: 0 | 1; // one-time or recurring
    dueDate?: string;
    resetType?: 0 | 1 | 2;
    reminderDays?: number;
    personId?: number;
    organizationId?: number;
    opportunityId?: number;
    completed?: boolean;
  }): number;
  /** Relationship strength between an internal and an external person (0..1). */
  setRelationshipStrength(s: { internalId: number; externalId: number; strength: number }): void;
}

/** A named, deterministic seed. */
export type Seed = (b: SeedBuilder) => void;
