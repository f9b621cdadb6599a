import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { IntentSpec, IntentState, Plane, ChangeType } from '@eucora/core';

@Entity({ name: 'deployment_intents' })
export class DeploymentIntentEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('text') title!: string;
  @Column('text', { name: 'change_type' }) changeType!: ChangeType;
  @Column('text') plane!: Plane;
  @Column('text') state!: IntentState;
  @Column('jsonb') spec!: IntentSpec;
  /** Actor name of the submitting token. */
  @Column('text', { name: 'submitted_by' }) submittedBy!: string;
  @Column('uuid', { name: 'submitted_by_token_id' }) submittedByTokenId!: string;
  @Column('text', { name: 'correlation_id' }) correlationId!: string;
  @Column('text', { name: 'workflow_id' }) workflowId!: string;
  /** Set once Temporal accepted the workflow start; null means the dispatcher still has to start it. */
  @Column('timestamptz', { name: 'workflow_started_at', nullable: true }) workflowStartedAt!: Date | null;
  @Column('int', { name: 'risk_score', nullable: true }) riskScore!: number | null;
  @Column('text', { name: 'risk_band', nullable: true }) riskBand!: string | null;
  @Column('text', { name: 'policy_decision', nullable: true }) policyDecision!: string | null;
  @Column('text', { name: 'artifact_name', nullable: true }) artifactName!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
