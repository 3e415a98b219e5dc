// The one user-assigned managed identity of the app: host storage, the Durable back end,
// Application Insights, deployment and the Azure calls of the image builds all use it, so one
// principal holds every right and removing the app leaves no stray identities behind.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region.')
param location string

@description('Tags put on the identity.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
