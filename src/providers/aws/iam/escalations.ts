/**
 * The privilege-escalation methods (Rhino Security Labs' AWS list and a few more compute
 * services): each is a target action whose resource decides what can be taken over, plus the
 * other actions the method needs. A method counts only when every action is allowed.
 */

export interface EscalationMethod {
  method: string;
  /** The action whose resource is what gets taken over (role passed, user changed, …). */
  target: string;
  /** Other actions needed, on any resource unless `sameResource`. */
  others: string[];
  /** The other actions must be allowed on the target's resources. */
  sameResource?: boolean;
  /** Service principal the role is passed to (checked against `iam:PassedToService`). */
  passedTo?: string;
  /** Targeting the principal itself is an escalation (attach a policy to yourself). */
  self?: boolean;
  /** Only wildcard resources count (role chains report specific privileged targets instead). */
  broadOnly?: boolean;
  /** Only meaningful when the principal has a permissions boundary. */
  needsBoundary?: boolean;
}

const passRole = (service: string, actions: string[]): EscalationMethod => ({
  method: ['iam:PassRole', ...actions].join('+'),
  target: 'iam:PassRole',
  others: actions,
  passedTo: service,
});

export const ESCALATION_METHODS: readonly EscalationMethod[] = [
  { method: 'iam:CreatePolicyVersion', target: 'iam:CreatePolicyVersion', others: [] },
  { method: 'iam:SetDefaultPolicyVersion', target: 'iam:SetDefaultPolicyVersion', others: [] },
  { method: 'iam:CreateAccessKey', target: 'iam:CreateAccessKey', others: [] },
  { method: 'iam:CreateLoginProfile', target: 'iam:CreateLoginProfile', others: [] },
  { method: 'iam:UpdateLoginProfile', target: 'iam:UpdateLoginProfile', others: [] },
  { method: 'iam:AttachUserPolicy', target: 'iam:AttachUserPolicy', others: [], self: true },
  { method: 'iam:AttachGroupPolicy', target: 'iam:AttachGroupPolicy', others: [] },
  { method: 'iam:AttachRolePolicy', target: 'iam:AttachRolePolicy', others: [], self: true },
  { method: 'iam:PutUserPolicy', target: 'iam:PutUserPolicy', others: [], self: true },
  { method: 'iam:PutGroupPolicy', target: 'iam:PutGroupPolicy', others: [] },
  { method: 'iam:PutRolePolicy', target: 'iam:PutRolePolicy', others: [], self: true },
  { method: 'iam:AddUserToGroup', target: 'iam:AddUserToGroup', others: [] },
  { method: 'iam:UpdateAssumeRolePolicy+sts:AssumeRole', target: 'iam:UpdateAssumeRolePolicy', others: ['sts:AssumeRole'], sameResource: true },
  { method: 'iam:DeleteUserPermissionsBoundary', target: 'iam:DeleteUserPermissionsBoundary', others: [], self: true, needsBoundary: true },
  { method: 'iam:DeleteRolePermissionsBoundary', target: 'iam:DeleteRolePermissionsBoundary', others: [], self: true, needsBoundary: true },
  passRole('ec2.amazonaws.com', ['ec2:RunInstances']),
  passRole('lambda.amazonaws.com', ['lambda:CreateFunction', 'lambda:InvokeFunction']),
  passRole('lambda.amazonaws.com', ['lambda:CreateFunction', 'lambda:CreateEventSourceMapping']),
  { method: 'lambda:UpdateFunctionCode', target: 'lambda:UpdateFunctionCode', others: [] },
  passRole('glue.amazonaws.com', ['glue:CreateDevEndpoint']),
  { method: 'glue:UpdateDevEndpoint', target: 'glue:UpdateDevEndpoint', others: [] },
  passRole('glue.amazonaws.com', ['glue:CreateJob', 'glue:StartJobRun']),
  passRole('cloudformation.amazonaws.com', ['cloudformation:CreateStack']),
  passRole('cloudformation.amazonaws.com', ['cloudformation:UpdateStack']),
  passRole('datapipeline.amazonaws.com', ['datapipeline:CreatePipeline', 'datapipeline:PutPipelineDefinition', 'datapipeline:ActivatePipeline']),
  passRole('sagemaker.amazonaws.com', ['sagemaker:CreateNotebookInstance', 'sagemaker:CreatePresignedNotebookInstanceUrl']),
  passRole('sagemaker.amazonaws.com', ['sagemaker:CreateTrainingJob']),
  passRole('sagemaker.amazonaws.com', ['sagemaker:CreateProcessingJob']),
  passRole('ecs-tasks.amazonaws.com', ['ecs:RegisterTaskDefinition', 'ecs:RunTask']),
  passRole('codebuild.amazonaws.com', ['codebuild:CreateProject', 'codebuild:StartBuild']),
  { method: 'ssm:SendCommand', target: 'ssm:SendCommand', others: [] },
  { method: 'ssm:StartSession', target: 'ssm:StartSession', others: [] },
  { method: 'ec2-instance-connect:SendSSHPublicKey', target: 'ec2-instance-connect:SendSSHPublicKey', others: [] },
  { method: 'sts:AssumeRole on *', target: 'sts:AssumeRole', others: [], broadOnly: true },
];
