/**
 * Is a command a read? A conservative reading of the command or query text of a gateway session:
 * `true` for what only reads (SELECT, SHOW; `aws ... describe/list/get/ls`; `kubectl get/describe/logs`;
 * `gcloud/az ... list/describe/show`; `bq ls/query SELECT`), `false` for what writes, `undefined`
 * when the text does not say (scripts, shells): unknown counts as neither.
 */
const SQL_READ = /^(select|show|explain|describe|desc|with\s+\w+\s+as\s*\(\s*select)\b/i;
const SQL_WRITE = /^(insert|update|delete|merge|upsert|create|alter|drop|truncate|grant|revoke|vacuum|analyze|copy|call|do|set|begin)\b/i;
const CLI_READ_VERBS = /^(list|get|describe|show|ls|head|lookup|search|query|batch-get|wait|help|whoami|get-caller-identity|status|logs|top|version|cat)\b/i;

export function isReadCommand(text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  const cmd = text.trim().replace(/^sudo\s+/, '');
  if (cmd === '') return undefined;
  if (SQL_WRITE.test(cmd)) return false;
  if (SQL_READ.test(cmd)) return true;
  const words = cmd.split(/\s+/);
  const tool = words[0]?.toLowerCase();
  switch (tool) {
    case 'aws': {
      // aws <service> <operation>: s3 has its own verbs
      if (words[1] === 's3') return /^(ls)$/.test(words[2] ?? '') || (words[2] === 'cp' && (words[3] ?? '').startsWith('s3://') && words[4] === '-');
      return CLI_READ_VERBS.test((words[2] ?? '').replace(/-.*/, '')) || (words[2] ?? '') === 'get-caller-identity';
    }
    case 'kubectl':
      return /^(get|describe|logs|top|explain|version|api-resources|auth)$/.test(words[1] ?? '');
    case 'gcloud':
    case 'az':
      return words.slice(1).some((w) => /^(list|describe|show|ls|get-iam-policy|read|cat)$/.test(w)) && !words.slice(1).some((w) => /^(create|delete|update|set|add|remove|deploy|rm|cp|mv)/.test(w));
    case 'bq':
      if (words[1] === 'ls' || words[1] === 'show' || words[1] === 'head') return true;
      if (words[1] === 'query') return SQL_READ.test(cmd.replace(/^bq\s+query\s+(--\S+\s+)*["']?/, ''));
      return undefined;
    default:
      return undefined;
  }
}
