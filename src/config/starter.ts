/** The commented starter config `sprawl init` writes. Every key here is in schema.ts. */
export const STARTER_CONFIG = `# sprawl configuration. Validate it with: sprawl scan --dry-run
# Credentials never go in this file: each provider uses its SDK's default chain
# (AWS: environment variables, ~/.aws profiles, SSO, instance or pod roles).
version: 1

# Where scans are kept: a SQLite file (default .sprawl/sprawl.db) or a shared
# PostgreSQL database. --db and the SPRAWL_DB environment variable override it.
# store: postgres://sprawl@db.internal:5432/sprawl

policy:
  keyRotationDays: 90         # access keys older than this should be rotated (CIS AWS 1.14)
  unusedDays: 45              # credentials unused this long are stale (CIS AWS 1.12)
  maxSecretLifetimeDays: 365  # client secrets may not live longer (start to end)
  expiryWarningDays: 30       # secrets expiring this soon are reported

owners:
  # tags whose value names an identity's owner, in order of preference
  tagKeys: [owner, Owner, team, Team, sprawl:owner]

aws:
  region: us-east-1
  # profile: security-audit        # a named profile from ~/.aws/config
  # endpoint: https://iam.example  # only for emulators or private endpoints
  concurrency: 8                   # concurrent API calls per account
  maxAttempts: 6                   # per call, throttling and 5xx retried with backoff
  requestTimeoutMs: 60000          # one attempt with no (or a stalled) answer fails and is retried
  includeRoles: true
  # Accounts to scan. Empty: the account of the default credentials.
  # Each account is read through a role you deploy there (IAM read-only or SecurityAudit).
  accounts: []
  #  - id: "123456789012"
  #    name: prod
  #    roleArn: arn:aws:iam::123456789012:role/SprawlAudit
  #    externalId: replace-with-your-external-id
  machineUsers:
    # Which IAM users are machines: a tag decides first, then the name patterns,
    # then having no console password. People are left out of the inventory.
    tagKeys: [sprawl:type, identity-type, type]
    machineTagValues: [machine, service, bot, ci, automation, service-account]
    humanTagValues: [human, person, user, employee]
    machinePatterns: ['^(svc|ci|cd|bot|app|sa|deploy|build|terraform|automation)[-_.]', '[-_.](svc|bot|ci|deploy|deployer|automation|service|sa)$']
    humanPatterns: []
    noConsolePasswordIsMachine: true

# Google Cloud: credentials from Application Default Credentials (gcloud auth
# application-default login, GOOGLE_APPLICATION_CREDENTIALS, workload identity).
# The scanner needs roles/iam.securityReviewer, roles/browser on folders or the
# organization, and roles/policyanalyzer.activityAnalysisViewer for last use.
# gcp:
#   projects: [acme-prod]
#   folders: []                # every project below these folders
#   # organization: "123456789012"   # every project of the organization
#   concurrency: 8
#   requestTimeoutMs: 60000    # per attempt; a timed-out attempt is retried (maxRetries)
#   activity: true             # last authentication from the Policy Analyzer

# Azure: credentials from DefaultAzureCredential (AZURE_TENANT_ID, AZURE_CLIENT_ID,
# AZURE_CLIENT_SECRET, workload or managed identity, Azure CLI). Needs Reader on the
# subscriptions and Graph Application.Read.All + AuditLog.Read.All.
# azure:
#   tenantId: 00000000-0000-0000-0000-000000000000
#   subscriptions: []          # empty: every subscription the credential sees
#   signInActivity: true       # needs Entra ID P1/P2
#   firstPartyApps: skip

# GitHub: the token comes from GITHUB_TOKEN (or a GitHub App: app.appId and
# app.privateKeyFile). Reads deploy keys, app installations, fine-grained PAT grants,
# Actions secret names and secret scanning alerts. GitHub Enterprise Server: baseUrl.
# github:
#   organizations: [acme]
#   # baseUrl: https://ghe.example.com/api/v3
#   secretScanning: true
#   committedKeys:
#     enabled: false           # mirror each repository and search its history
#     # cloneDir: /var/cache/sprawl/repos

# Kubernetes: contexts of a kubeconfig (KUBECONFIG or ~/.kube/config by default).
# Needs get/list on serviceaccounts, secrets, pods and the RBAC objects.
# kubernetes:
#   # kubeconfig: /etc/sprawl/kubeconfig
#   contexts: []               # empty: the current context; ['*']: every context
#   systemNamespaces: [kube-system, kube-public, kube-node-lease]

# The access gateway (hoop.dev): its sessions say who used which identity, when, running what.
# The API key comes from the environment variable named here, never from this file.
# gateway:
#   url: https://gateway.acme.example
#   apiKeyEnv: HOOP_API_KEY
#   since: 90                  # days of sessions
#   connectionMap: []          # - { pattern: "pg-prod-*", identity: "aws:123456789012:user/etl" }
#   files: []                  # exported session files (JSON array or JSON lines); bad entries are dropped, named, and make the scan partial (exit 3)

# Analysis: who owns what, what counts as shared, and accepted risks.
analysis:
  # people: { file: people.csv }   # active staff (CSV with an email column, or JSON)
  gatewayClockSkewSeconds: 300
  sharedActorsMin: 3
  sharedWorkloadsMin: 3
  exemptions: []
  #  - identity: "aws:123456789012:user/legacy-*"
  #    rule: credential.key-age
  #    reason: vendor integration, rotation contract signed
  #    approver: security@acme.example
  #    expires: 2027-03-31

# Committed keys: \`sprawl scan\` searches these checkouts (history: every blob of every ref);
# \`sprawl gate\` and \`sprawl secrets scan\` use the detection settings below.
repos: []
#  - path: ../api
#    name: acme/api
#    history: true
secrets:
  maxFileBytes: 5242880   # larger files are skipped and counted
  fileTimeoutMs: 10000    # a file whose scan takes longer is cut off (hits found before kept) and named (--file-timeout-ms)
  allowPaths: []          # gitignore-style paths never scanned (also: .sprawlignore)
  disabledRules: []       # detection rule ids to switch off
  # baseline: .sprawl-baseline.json   # fingerprints to ignore (sprawl secrets scan --write-baseline)
  failOn: medium          # sprawl gate fails on hits at or above this severity
`;
