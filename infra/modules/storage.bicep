// The app's storage account: host storage (leases, timers, the Azure Storage durable task hub),
// the deployment package container, and the build, rejects and results queues. Shared keys are
// off, so every caller authenticates with Entra ID: the app identity through the role
// assignments below, an operator through the optional principal.

@description('Storage account name (3-24 lower-case letters and digits, globally unique).')
param name string

@description('Azure region.')
param location string

@description('Tags put on the account.')
param tags object

@description('Blob container that holds the deployment package (functionAppConfig.deployment).')
param deploymentContainerName string

@description('Queues the app uses: build, rejects and results.')
param queueNames array

@description('Principal id of the app identity.')
param appPrincipalId string

@description('Optional principal (the deployer) that may send build messages and read the queues; empty = none.')
param operatorPrincipalId string

@description('Principal type of operatorPrincipalId.')
param operatorPrincipalType string

// Built-in roles the Functions host needs for identity-based AzureWebJobsStorage with the
// Azure Storage durable back end: blobs (leases, deployment package), queues, tables. An operator
// gets only what sending a build and peeking at the results take.
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var storageQueueDataMessageSender = 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'
var storageQueueDataReader = '19e7f393-937e-4f77-808e-94535e297925'
var hasOperator = !empty(operatorPrincipalId)

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  // checkov:skip=CKV_AZURE_35: the Flex app has no VNet integration here, so it reaches its storage over the public endpoint; with shared keys off only Entra-authorized principals get in
  // checkov:skip=CKV_AZURE_59: same reason as CKV_AZURE_35 (private endpoints need VNet integration of the app)
  // checkov:skip=CKV_AZURE_206: LRS on purpose: the account holds transient host state, queue messages and the task hub of running builds, none of which is worth geo-replication
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for queueName in queueNames: {
  parent: queueService
  name: queueName
}]

resource blobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appPrincipalId, storageBlobDataOwner)
  scope: account
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
  }
}

resource queueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appPrincipalId, storageQueueDataContributor)
  scope: account
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
  }
}

resource tableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appPrincipalId, storageTableDataContributor)
  scope: account
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributor)
  }
}

resource operatorQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hasOperator) {
  name: guid(account.id, operatorPrincipalId, storageQueueDataMessageSender)
  scope: account
  properties: {
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataMessageSender)
  }
}

resource operatorQueueReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hasOperator) {
  name: guid(account.id, operatorPrincipalId, storageQueueDataReader)
  scope: account
  properties: {
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataReader)
  }
}

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
