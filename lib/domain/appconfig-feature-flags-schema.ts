/**
 * AWS's published JSON schema for `AWS.AppConfig.FeatureFlags` hosted configuration documents.
 *
 * This is AWS's text, copied, not ours: do not edit it to make a document pass. Change the
 * document instead, or — when AWS publishes a new schema — replace this text with theirs.
 *
 * Source: AWS AppConfig User Guide, "Understanding the type reference for AWS.AppConfig.FeatureFlags",
 * https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-type-reference-feature-flags.html
 * Read on 2026-12-01 from a stored copy of the page (the live page was not fetched that day). The
 * first schema on the page, the one for the document a hosted version holds; the page's second
 * schema (the simplified form GetLatestConfiguration returns) is not copied.
 *
 * Copied member for member, in AWS's key order; only the line breaks differ from the page.
 * Older copies of the page differ (key patterns written `[a-zA-Z\\d-_]`, `"required":
 * ["version", "flags"]`, `"maxProperties": 100` on flags and values, `"required": ["enabled"]`
 * on a flag value, no `_variants` or `_deprecation`); this is the text the page carried when read.
 *
 * It is a draft-07 schema: keywords beside a `$ref` (the root's `type` and
 * `additionalProperties`) are ignored. See feature-flags-schema-check.ts for how it is run.
 */
export const APPCONFIG_FEATURE_FLAGS_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  definitions: {
    flagSetDefinition: {
      type: 'object',
      properties: {
        version: {
          $ref: '#/definitions/flagSchemaVersions',
        },
        flags: {
          $ref: '#/definitions/flagDefinitions',
        },
        values: {
          $ref: '#/definitions/flagValues',
        },
      },
      required: ['version'],
      additionalProperties: false,
    },
    flagDefinitions: {
      type: 'object',
      patternProperties: {
        '^[a-z][a-zA-Z\\d_-]{0,63}$': {
          $ref: '#/definitions/flagDefinition',
        },
      },
      additionalProperties: false,
    },
    flagDefinition: {
      type: 'object',
      properties: {
        name: {
          $ref: '#/definitions/customerDefinedName',
        },
        description: {
          $ref: '#/definitions/customerDefinedDescription',
        },
        _createdAt: {
          type: 'string',
        },
        _updatedAt: {
          type: 'string',
        },
        _deprecation: {
          type: 'object',
          properties: {
            status: {
              type: 'string',
              enum: ['planned'],
            },
            date: {
              type: 'string',
              format: 'date',
            },
          },
          additionalProperties: false,
        },
        attributes: {
          $ref: '#/definitions/attributeDefinitions',
        },
      },
      additionalProperties: false,
    },
    attributeDefinitions: {
      type: 'object',
      patternProperties: {
        '^[a-z][a-zA-Z\\d_-]{0,63}$': {
          $ref: '#/definitions/attributeDefinition',
        },
      },
      maxProperties: 25,
      additionalProperties: false,
    },
    attributeDefinition: {
      type: 'object',
      properties: {
        description: {
          $ref: '#/definitions/customerDefinedDescription',
        },
        constraints: {
          oneOf: [
            {
              $ref: '#/definitions/numberConstraints',
            },
            {
              $ref: '#/definitions/stringConstraints',
            },
            {
              $ref: '#/definitions/arrayConstraints',
            },
            {
              $ref: '#/definitions/boolConstraints',
            },
          ],
        },
      },
      additionalProperties: false,
    },
    flagValues: {
      type: 'object',
      patternProperties: {
        '^[a-z][a-zA-Z\\d_-]{0,63}$': {
          $ref: '#/definitions/flagValue',
        },
      },
      additionalProperties: false,
    },
    flagValue: {
      type: 'object',
      properties: {
        enabled: {
          type: 'boolean',
        },
        _createdAt: {
          type: 'string',
        },
        _updatedAt: {
          type: 'string',
        },
        _variants: {
          type: 'array',
          maxLength: 32,
          items: {
            $ref: '#/definitions/variant',
          },
        },
      },
      patternProperties: {
        '^[a-z][a-zA-Z\\d_-]{0,63}$': {
          $ref: '#/definitions/attributeValue',
          maxProperties: 25,
        },
      },
      additionalProperties: false,
    },
    attributeValue: {
      oneOf: [
        {
          type: 'string',
          maxLength: 1024,
        },
        {
          type: 'number',
        },
        {
          type: 'boolean',
        },
        {
          type: 'array',
          oneOf: [
            {
              items: {
                type: 'string',
                maxLength: 1024,
              },
            },
            {
              items: {
                type: 'number',
              },
            },
          ],
        },
      ],
      additionalProperties: false,
    },
    stringConstraints: {
      type: 'object',
      properties: {
        type: {
          type: 'string',
          enum: ['string'],
        },
        required: {
          type: 'boolean',
        },
        pattern: {
          type: 'string',
          maxLength: 1024,
        },
        enum: {
          type: 'array',
          maxLength: 100,
          items: {
            oneOf: [
              {
                type: 'string',
                maxLength: 1024,
              },
              {
                type: 'integer',
              },
            ],
          },
        },
      },
      required: ['type'],
      not: {
        required: ['pattern', 'enum'],
      },
      additionalProperties: false,
    },
    numberConstraints: {
      type: 'object',
      properties: {
        type: {
          type: 'string',
          enum: ['number'],
        },
        required: {
          type: 'boolean',
        },
        minimum: {
          type: 'integer',
        },
        maximum: {
          type: 'integer',
        },
      },
      required: ['type'],
      additionalProperties: false,
    },
    arrayConstraints: {
      type: 'object',
      properties: {
        type: {
          type: 'string',
          enum: ['array'],
        },
        required: {
          type: 'boolean',
        },
        elements: {
          $ref: '#/definitions/elementConstraints',
        },
      },
      required: ['type'],
      additionalProperties: false,
    },
    boolConstraints: {
      type: 'object',
      properties: {
        type: {
          type: 'string',
          enum: ['boolean'],
        },
        required: {
          type: 'boolean',
        },
      },
      required: ['type'],
      additionalProperties: false,
    },
    elementConstraints: {
      oneOf: [
        {
          $ref: '#/definitions/numberConstraints',
        },
        {
          $ref: '#/definitions/stringConstraints',
        },
      ],
    },
    variant: {
      type: 'object',
      properties: {
        enabled: {
          type: 'boolean',
        },
        name: {
          $ref: '#/definitions/customerDefinedName',
        },
        rule: {
          type: 'string',
          maxLength: 16384,
        },
        attributeValues: {
          type: 'object',
          patternProperties: {
            '^[a-z][a-zA-Z\\d_-]{0,63}$': {
              $ref: '#/definitions/attributeValue',
            },
          },
          maxProperties: 25,
          additionalProperties: false,
        },
      },
      required: ['name', 'enabled'],
      additionalProperties: false,
    },
    customerDefinedName: {
      type: 'string',
      pattern: '^[^\\n]{1,64}$',
    },
    customerDefinedDescription: {
      type: 'string',
      maxLength: 1024,
    },
    flagSchemaVersions: {
      type: 'string',
      enum: ['1'],
    },
  },
  type: 'object',
  $ref: '#/definitions/flagSetDefinition',
  additionalProperties: false,
} as const;
