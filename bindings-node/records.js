// Written by scripts/gen-interface from core/interface/records.json: do not edit.
// One function per record the addon returns as a plain object, in the order
// the addon numbers them (bindings-node/src/factory.rs): an object literal
// gets its final shape at once.
'use strict'

module.exports = [
  // Organization
  (id, name, slug, portalUrl, allowedDomains, settings, createdAt) => ({ id, name, slug, portalUrl, allowedDomains, settings, createdAt }),
  // OrganizationSettings
  (invitationExpirySecs, resendCooldownSecs, maxInvitationsPerInviterPerDay, maxInvitationsPerOrgPerDay, maxEmailsPerAddressPerDay, maxPendingInvitations, maxMessageChars, allowSubdomains, autoJoinDomains, domainJoin, redirectOrigins) => ({ invitationExpirySecs, resendCooldownSecs, maxInvitationsPerInviterPerDay, maxInvitationsPerOrgPerDay, maxEmailsPerAddressPerDay, maxPendingInvitations, maxMessageChars, allowSubdomains, autoJoinDomains, domainJoin, redirectOrigins }),
  // Member
  (id, orgId, email, name, role, teamIds, status, joinedAt) => ({ id, orgId, email, name, role, teamIds, status, joinedAt }),
  // Team
  (id, orgId, name) => ({ id, orgId, name }),
  // Email
  (to, subject, text, html) => ({ to, subject, text, html }),
  // ThreadGrant
  (threadId, permissions) => ({ threadId, permissions }),
  // Invitation
  (id, orgId, inviterId, email, message, teamIds, role, status, createdAt, expiresAt, sentCount, lastSentAt, threadGrants, delivered, metadata, privateMetadata, redirectUrl) => ({ id, orgId, inviterId, email, message, teamIds, role, status, createdAt, expiresAt, sentCount, lastSentAt, threadGrants, delivered, metadata, privateMetadata, redirectUrl }),
  // Acceptance
  (member, invitation, droppedGrants, redirectUrl) => ({ member, invitation, droppedGrants, redirectUrl }),
  // InvitationPreview
  (organizationName, inviterName, teamNames, email, expiresAt, metadata, redirectUrl) => ({ organizationName, inviterName, teamNames, email, expiresAt, metadata, redirectUrl }),
  // InviteResult
  (email, invitation, error, errorMessage) => ({ email, invitation, error, errorMessage }),
  // OutgoingEmail
  (id, orgId, kind, invitationId, to, subject, text, html, createdAt, attempts, status, nextAttemptAt, lastError) => ({ id, orgId, kind, invitationId, to, subject, text, html, createdAt, attempts, status, nextAttemptAt, lastError }),
  // Thread
  (id, orgId, title, freelancerId, freelancerName, createdBy, createdAt, lastActivityAt) => ({ id, orgId, title, freelancerId, freelancerName, createdBy, createdAt, lastActivityAt }),
  // ThreadPage
  (threads, nextCursor) => ({ threads, nextCursor }),
  // Message
  (id, threadId, orgId, authorId, body, sentAt) => ({ id, threadId, orgId, authorId, body, sentAt }),
  // Participant
  (memberId, name, permissions) => ({ memberId, name, permissions }),
  // People
  (freelancerId, freelancerName, participants) => ({ freelancerId, freelancerName, participants }),
  // ThreadInviteResult
  (kind, participant, invitation) => ({ kind, participant, invitation }),
  // JoinRequest
  (id, orgId, email, name, role, status, createdAt, decidedBy, decidedAt, reason) => ({ id, orgId, email, name, role, status, createdAt, decidedBy, decidedAt, reason }),
  // DomainVerification
  (orgId, domain, recordName, recordValue, createdAt, verifiedAt) => ({ orgId, domain, recordName, recordValue, createdAt, verifiedAt }),
  // JoinResult
  (kind, member, request) => ({ kind, member, request }),
  // Event
  (seq, orgId, at, actorId, kind, details) => ({ seq, orgId, at, actorId, kind, details }),
]
