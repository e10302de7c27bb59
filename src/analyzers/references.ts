import type { ComplianceRef } from '../model/index.ts';

/** Compliance controls the rules cite, named once so every rule spells them the same way. */
export const REF = {
  cisAws_1_12: { framework: 'CIS', control: 'AWS 1.12', title: 'Ensure credentials unused for 45 days or more are disabled' },
  cisAws_1_14: { framework: 'CIS', control: 'AWS 1.14', title: 'Ensure access keys are rotated every 90 days or less' },
  cisAws_1_16: { framework: 'CIS', control: 'AWS 1.16', title: 'Ensure IAM policies that allow full "*:*" administrative privileges are not attached' },
  soc2_cc6_1: { framework: 'SOC2', control: 'CC6.1', title: 'Logical access security measures' },
  soc2_cc6_2: { framework: 'SOC2', control: 'CC6.2', title: 'Registration, authorization and removal of access' },
  soc2_cc6_3: { framework: 'SOC2', control: 'CC6.3', title: 'Role-based access and least privilege' },
  iso_a_5_17: { framework: 'ISO27001', control: 'A.5.17', title: 'Authentication information' },
  iso_a_5_18: { framework: 'ISO27001', control: 'A.5.18', title: 'Access rights' },
  iso_a_8_2: { framework: 'ISO27001', control: 'A.8.2', title: 'Privileged access rights' },
  nist_ia_5_1: { framework: 'NIST800-53', control: 'IA-5(1)', title: 'Authenticator management: password-based authentication' },
  nist_ac_2_3: { framework: 'NIST800-53', control: 'AC-2(3)', title: 'Account management: disable accounts' },
  nist_ac_6: { framework: 'NIST800-53', control: 'AC-6', title: 'Least privilege' },
  cisControls_16_12: { framework: 'CIS', control: 'Controls v8 16.12', title: 'Implement code-level security checks' },
  soc2_cc6_7: { framework: 'SOC2', control: 'CC6.7', title: 'Restricts the transmission and movement of information' },
  iso_a_8_4: { framework: 'ISO27001', control: 'A.8.4', title: 'Access to source code' },
  nist_ia_5_7: { framework: 'NIST800-53', control: 'IA-5(7)', title: 'No embedded unencrypted static authenticators' },
  nist_sc_28: { framework: 'NIST800-53', control: 'SC-28', title: 'Protection of information at rest' },
} as const satisfies Record<string, ComplianceRef>;
