// The Durable Task Scheduler back end: a scheduler, the app's task hub in it, and the identity's
// data role. Deployed only when main.bicep's durableBackend is 'DurableTaskScheduler'.

@description('Name of the scheduler.')
param name string

@description('Azure region (the same as the app keeps the gRPC stream short).')
param location string

@description('Tags put on the scheduler.')
param tags object

@description('Name of the task hub: the app setting IMAGEFACTORY_TASK_HUB carries the same value.')
param taskHubName string

@description('Consumption (billed per dispatched action) or Dedicated (billed per capacity unit).')
@allowed([
  'Consumption'
  'Dedicated'
])
param skuName string

@description('Capacity units of a Dedicated scheduler (ignored for Consumption).')
@minValue(1)
param skuCapacity int

@description('Principal id of the app identity.')
param appPrincipalId string

@description('Optional principal (the deployer) that may open the scheduler dashboard; empty = none.')
param operatorPrincipalId string

@description('Principal type of operatorPrincipalId.')
param operatorPrincipalType string

// Built-in role "Durable Task Data Contributor": every data operation on the scheduler's hubs.
var durableTaskDataContributor = '0ad04412-c4d5-4796-b79c-f76d14c8d402'

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    // The scheduler is reached over the internet by the Flex instances (no VNet here); access
    // is decided by Entra ID and the data role, not by source address.
    ipAllowlist: [
      '0.0.0.0/0'
    ]
    sku: skuName == 'Dedicated' ? {
      name: skuName
      capacity: skuCapacity
    } : {
      name: skuName
    }
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

resource appDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scheduler.id, appPrincipalId, durableTaskDataContributor)
  scope: scheduler
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributor)
  }
}

resource operatorDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(scheduler.id, operatorPrincipalId, durableTaskDataContributor)
  scope: scheduler
  properties: {
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributor)
  }
}

output name string = scheduler.name
output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
